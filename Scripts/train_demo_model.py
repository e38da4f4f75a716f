#!/usr/bin/env python3
"""Train vizrun's demo model: a small "which photo is this crop from?" convnet.

Tooling only: vizrun itself never runs Python. This script writes

    Configs/models/scenes_convnet.h5          the trained model (tf-keras, legacy HDF5)
    Configs/models/scenes_convnet.labels.txt  class names, one per line, in class-index order
    Configs/images/chelsea.jpg                the demo image (skimage.data.chelsea(), JPEG q90)
    Configs/images/coffee.png                 a second demo image (skimage.data.coffee(), 200 px wide)
    Configs/images/LICENSE.md                 source and licence of every image used

What the network is
-------------------
The architecture of Deep Learning with Python (1st ed.) 5.2 / 5.4.1's
cats_and_dogs_small_2.h5, narrowed so that the file stays under 3 MB:

    Input 150x150x3
    4x [Conv2D 3x3 relu (32, 64, 128, 128 filters) + MaxPooling2D 2]
    Flatten, Dropout 0.5, Dense 64 relu, Dense 8 softmax

Layer names are Keras's automatic ones (conv2d, max_pooling2d, conv2d_1, ...,
flatten, dropout, dense, dense_1), exactly like the book's file. It is built,
trained and saved with tf-keras (Keras 2), `model.save(...h5)`, so the file is
a legacy whole-model HDF5 file whose keras_version is 2.x. The optimizer state
is not saved (include_optimizer=False) to keep the file small; the file
therefore has no training_config and no /optimizer_weights.

What it learns (data that ships with scikit-image; nothing is downloaded)
--------------------------------------------------------------------------
Eight sample photographs bundled in the scikit-image wheel (skimage.data):
astronaut, camera (greyscale, replicated to RGB), chelsea (the cat), coffee,
coins (greyscale, replicated to RGB), hubble_deep_field,
immunohistochemistry, rocket. The class of a 150x150 input is the photograph
it was cut from (softmax over 8 classes, labels in scenes_convnet.labels.txt).

Every photo is split into two disjoint parts along its longer axis: the first
~70 % (the "train region") and the remaining strip (the "held-out region",
at least 128 px wide). Training inputs are random crops of the train region
only: crop width and height drawn independently (96 px up to the whole
region, so aspect and scale vary), resized to 150x150 (PIL bilinear), random
horizontal flip, brightness x U(0.8, 1.2), contrast x U(0.8, 1.2), then /255.
Fresh crops are drawn every epoch. The held-out accuracy is measured on 400
crops (50 per class) of the held-out regions, pixels the network never saw
during training, and is printed at the end (see the docstring footer below).

This is a toy: the network mostly recognises colour, texture and scene
statistics of eight photographs. It is not a general image classifier. It is
however a genuinely trained network, so its filters, activations and class
activation maps are structured (not the noise of random weights), which is
what a visualisation demo needs.

Result of the run that produced the committed file (tf-keras 2.21.0,
TensorFlow 2.21.0, CPU, seeds fixed and op determinism on; about 10 minutes
wall clock, 6 CPU-minutes, on a shared 2-core machine):

    final epoch (augmented train crops): loss 0.123, accuracy 0.960
    held-out accuracy 0.6975 (loss 1.302) on 400 crops of the unseen regions
      per class: astronaut 0.00, camera 0.96, chelsea 0.00, coffee 0.86,
                 coins 0.86, hubble_deep_field 1.00,
                 immunohistochemistry 0.90, rocket 1.00
    chelsea.jpg (whole photo, loaded as in the book) -> chelsea 0.993
    coffee.png  (whole photo)                        -> coffee  1.000

Read the held-out number for what it is: for six photos the unseen strip
shows more of the same texture and the network generalises (0.86-1.00). For
astronaut and chelsea the unseen right-hand strip shows things that appear
nowhere in the training region (the shuttle model and black helmet on grey;
mostly the blurred light background beside the cat), so no crop of it is
recognised (0.00). The whole demo photos are classified correctly.

Usage:  python3 Scripts/train_demo_model.py            (train + write everything)
        python3 Scripts/train_demo_model.py --images-only
"""

import os
import sys

os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("PYTHONHASHSEED", "0")

import argparse
import time

import numpy as np
from PIL import Image
from skimage import data as skdata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_DIR = os.path.join(ROOT, "Configs", "models")
IMAGE_DIR = os.path.join(ROOT, "Configs", "images")
MODEL_PATH = os.path.join(MODEL_DIR, "scenes_convnet.h5")
LABELS_PATH = os.path.join(MODEL_DIR, "scenes_convnet.labels.txt")
CHELSEA_JPG = os.path.join(IMAGE_DIR, "chelsea.jpg")
COFFEE_PNG = os.path.join(IMAGE_DIR, "coffee.png")

SEED = 1234
SIZE = 150
CLASSES = [  # class index order = labels file order
    "astronaut",
    "camera",
    "chelsea",
    "coffee",
    "coins",
    "hubble_deep_field",
    "immunohistochemistry",
    "rocket",
]
HELDOUT_FRACTION = 0.30
HELDOUT_MIN = 128
MIN_CROP = 96
TRAIN_PER_CLASS = 150     # fresh crops per class per epoch
EPOCHS = 6
TEST_PER_CLASS = 50
BATCH = 32


def load_photo(name):
    img = getattr(skdata, name)()
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    assert img.dtype == np.uint8 and img.shape[2] == 3, (name, img.shape, img.dtype)
    return img


def split_regions(img):
    """(train_region, heldout_region): disjoint parts along the longer axis."""
    h, w = img.shape[:2]
    if w >= h:
        n = max(int(round(w * HELDOUT_FRACTION)), HELDOUT_MIN)
        return img[:, : w - n], img[:, w - n :]
    n = max(int(round(h * HELDOUT_FRACTION)), HELDOUT_MIN)
    return img[: h - n], img[h - n :]


def random_crop(rng, region, augment):
    h, w = region.shape[:2]
    ch = int(rng.integers(min(MIN_CROP, h), h + 1))
    cw = int(rng.integers(min(MIN_CROP, w), w + 1))
    y = int(rng.integers(0, h - ch + 1))
    x = int(rng.integers(0, w - cw + 1))
    crop = Image.fromarray(region[y : y + ch, x : x + cw])
    crop = crop.resize((SIZE, SIZE), Image.BILINEAR)
    a = np.asarray(crop, dtype=np.float32)
    if augment:
        if rng.random() < 0.5:
            a = a[:, ::-1]
        a = a * rng.uniform(0.8, 1.2)                       # brightness
        m = a.mean()
        a = (a - m) * rng.uniform(0.8, 1.2) + m             # contrast
        a = np.clip(a, 0.0, 255.0)
    return a / 255.0


def make_set(rng, regions, per_class, augment):
    xs, ys = [], []
    for label, region in enumerate(regions):
        for _ in range(per_class):
            xs.append(random_crop(rng, region, augment))
            ys.append(label)
    x = np.stack(xs).astype(np.float32)
    y = np.asarray(ys, dtype=np.int32)
    order = rng.permutation(len(y))
    return x[order], y[order]


def write_images():
    os.makedirs(IMAGE_DIR, exist_ok=True)
    Image.fromarray(skdata.chelsea()).save(CHELSEA_JPG, quality=90)
    coffee = Image.fromarray(skdata.coffee())
    w, h = coffee.size
    coffee = coffee.resize((200, int(round(h * 200 / w))), Image.LANCZOS)
    coffee.save(COFFEE_PNG, optimize=True)
    print("wrote", CHELSEA_JPG, "and", COFFEE_PNG)


def build_model(keras, n_classes):
    from tf_keras import layers

    return keras.Sequential(
        [
            keras.Input(shape=(SIZE, SIZE, 3)),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(128, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(128, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(64, activation="relu"),
            layers.Dense(n_classes, activation="softmax"),
        ]
    )


def book_load(keras, path):
    """Deep Learning with Python 5.4.1 preprocessing: nearest resize, /255."""
    img = keras.utils.load_img(path, target_size=(SIZE, SIZE))
    x = keras.utils.img_to_array(img)
    return np.expand_dims(x, 0) / 255.0


def train():
    import tensorflow as tf
    import tf_keras as keras

    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(SEED)

    photos = [load_photo(n) for n in CLASSES]
    splits = [split_regions(p) for p in photos]
    train_regions = [s[0] for s in splits]
    heldout_regions = [s[1] for s in splits]
    for n, p, (a, b) in zip(CLASSES, photos, splits):
        print(f"{n:22s} photo {p.shape[:2]}  train region {a.shape[:2]}  held-out region {b.shape[:2]}")

    x_test, y_test = make_set(np.random.default_rng(SEED + 1), heldout_regions, TEST_PER_CLASS, augment=False)

    model = build_model(keras, len(CLASSES))
    model.summary()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=5e-4),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    t0 = time.time()
    for epoch in range(EPOCHS):
        x, y = make_set(rng, train_regions, TRAIN_PER_CLASS, augment=True)
        h = model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0)
        print(
            f"epoch {epoch + 1}/{EPOCHS}: train loss {h.history['loss'][0]:.4f} "
            f"acc {h.history['accuracy'][0]:.4f}  ({time.time() - t0:.0f} s)",
            flush=True,
        )

    loss, acc = model.evaluate(x_test, y_test, batch_size=50, verbose=0)
    pred = model.predict(x_test, batch_size=50, verbose=0).argmax(1)
    print(f"RESULT held-out accuracy {acc:.4f} (loss {loss:.4f}) on {len(y_test)} crops of unseen regions")
    for i, n in enumerate(CLASSES):
        sel = y_test == i
        print(f"  {n:22s} {np.mean(pred[sel] == i):.2f}")

    os.makedirs(MODEL_DIR, exist_ok=True)
    model.save(MODEL_PATH, include_optimizer=False)
    with open(LABELS_PATH, "w") as f:
        f.write("\n".join(CLASSES) + "\n")
    print("wrote", MODEL_PATH, os.path.getsize(MODEL_PATH), "bytes, and", LABELS_PATH)

    # The demo images, loaded exactly as the book loads its cat picture.
    reloaded = keras.models.load_model(MODEL_PATH)
    for path in (CHELSEA_JPG, COFFEE_PNG):
        p = reloaded.predict(book_load(keras, path), verbose=0)[0]
        top = np.argsort(p)[::-1][:3]
        print(os.path.basename(path), "->", ", ".join(f"{CLASSES[i]} {p[i]:.3f}" for i in top))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images-only", action="store_true", help="only (re)write Configs/images")
    args = ap.parse_args()
    write_images()
    if not args.images_only:
        train()


if __name__ == "__main__":
    sys.exit(main())
