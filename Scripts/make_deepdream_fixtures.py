"""Fixtures for the filters visualizer's DeepDream (`start: {image: PATH}` with `octaves`).

The TensorFlow DeepDream tutorial's procedure (tensorflow.org/tutorials/generative/deepdream,
`run_deep_dream_with_octaves` without its random-roll tiling): the photo is preprocessed into the
model's input space (here the `tf` preset, InceptionV3's `x / 127.5 - 1`), then for each octave n of
-(N-1)…0 the image is resized with `tf.image.resize` (bilinear, half-pixel centres) to
`tf.cast(base_shape * octave_scale**n, tf.int32)` and stepped: the gradient of the objective
(vizrun's `layer` term, the mean square of the layer) divided by `reduce_std(gradient) + 1e-8`,
`img = img + gradient * step_size`, clipped to [-1, 1]. No uint8 round trip between octaves.

Writes Tests/Fixtures/deepdream/:
- model.h5: a seeded tf-keras convnet that takes any input size (conv_a 3x3 relu, pool, dream 3x3 relu);
- photo.png: a 29x41 crop of Configs/images/chelsea.jpg, downsampled (the start photo);
- dream.npy: the dreamed input (H, W, 3) after 3 steps at each of 2 octaves, octave_scale 1.4,
  step_size 0.05; reference.json: those settings and the octave sizes.
And Configs/models/scenes_features.h5: the demo convnet's conv2d, max_pooling2d and conv2d_1 with its
trained weights, on an input of any size, for Configs/deepdream.yaml.
Rerunning gives the same bytes.
"""

import json
import os

from fixture_support import FIXTURES, ROOT  # before TensorFlow: it fixes threads and seeds

import numpy as np
import tensorflow as tf
import tf_keras
from PIL import Image

OUT = os.path.join(FIXTURES, "deepdream")
STEPS, OCTAVES, OCTAVE_SCALE, STEP_SIZE = 3, 2, 1.4, 0.05


def fixture_model():
    tf_keras.backend.clear_session()
    model = tf_keras.Sequential(
        [
            tf_keras.Input(shape=(None, None, 3)),
            tf_keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv_a"),
            tf_keras.layers.MaxPooling2D(2, name="pool"),
            tf_keras.layers.Conv2D(12, 3, padding="same", activation="relu", name="dream"),
        ]
    )
    rng = np.random.default_rng(7)
    model.set_weights([rng.normal(0, 0.4, w.shape).astype(np.float32) + (0.05 if w.ndim == 1 else 0) for w in model.get_weights()])
    return model


def photo():
    image = Image.open(os.path.join(ROOT, "Configs", "images", "chelsea.jpg")).convert("RGB")
    return image.crop((120, 40, 120 + 164, 40 + 116)).resize((41, 29), Image.BILINEAR)


def dream(model, levels):
    img = tf.constant(levels / 127.5 - 1)
    base_shape = tf.constant(levels.shape[:2], tf.float32)
    sizes = []
    for n in range(-(OCTAVES - 1), 1):
        new_size = tf.cast(base_shape * (OCTAVE_SCALE**n), tf.int32)
        sizes.append([int(v) for v in new_size])
        img = tf.image.resize(img, new_size)
        for _ in range(STEPS):
            with tf.GradientTape() as tape:
                tape.watch(img)
                activations = model(img[tf.newaxis], training=False)
                loss = tf.reduce_mean(tf.square(activations))
            gradients = tape.gradient(loss, img)
            gradients /= tf.math.reduce_std(gradients) + 1e-8
            img = img + gradients * STEP_SIZE
            img = tf.clip_by_value(img, -1, 1)
    return np.asarray(img, dtype=np.float32), sizes


def scenes_features():
    """The demo convnet's first layers, trained weights and names kept, on an input of any size."""
    trained = tf_keras.models.load_model(os.path.join(ROOT, "Configs", "models", "scenes_convnet.h5"), compile=False)
    tf_keras.backend.clear_session()
    features = tf_keras.Sequential(
        [
            tf_keras.Input(shape=(None, None, 3)),
            tf_keras.layers.Conv2D(32, 3, activation="relu", name="conv2d"),
            tf_keras.layers.MaxPooling2D(2, name="max_pooling2d"),
            tf_keras.layers.Conv2D(64, 3, activation="relu", name="conv2d_1"),
        ]
    )
    for layer in features.layers:
        layer.set_weights(trained.get_layer(layer.name).get_weights())
    features.save(os.path.join(ROOT, "Configs", "models", "scenes_features.h5"))


def main():
    os.makedirs(OUT, exist_ok=True)
    model = fixture_model()
    model.save(os.path.join(OUT, "model.h5"))
    model = tf_keras.models.load_model(os.path.join(OUT, "model.h5"), compile=False)
    picture = photo()
    picture.save(os.path.join(OUT, "photo.png"))
    levels = np.asarray(Image.open(os.path.join(OUT, "photo.png")), dtype=np.float32)
    result, sizes = dream(model, levels)
    np.save(os.path.join(OUT, "dream.npy"), result)
    settings = {"steps": STEPS, "octaves": OCTAVES, "octave_scale": OCTAVE_SCALE, "step_size": STEP_SIZE, "sizes": sizes}
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(settings, f, indent=1, sort_keys=True)
        f.write("\n")
    scenes_features()


if __name__ == "__main__":
    main()
