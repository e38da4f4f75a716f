"""Job 4 with Keras, for the benchmark: every layer's activation of a keras.applications model
(MobileNetV2 or ResNet50, random weights) for the images in a folder, as the book's
activation_model (one Model with all layer outputs, one predict over the batch), then every
image's grid of every convolutional layer written as PNG the book's way, as vizrun's run does.
`compute_seconds=` times the predict alone, after a traced warm-up on one image; vizrun's
counterpart is the manifest's `compute_seconds`, its time in the network's passes.

    python3 keras_all_layers.py MODEL.h5 IMAGE_FOLDER OUT_DIR"""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402

from book_grid import activation_grid, save_grid  # noqa: E402

model_path, folder, out_dir = sys.argv[1:4]
model = keras.models.load_model(model_path, compile=False)
names = sorted(os.listdir(folder))
x = np.stack([keras.utils.img_to_array(keras.utils.load_img(os.path.join(folder, name), target_size=(224, 224)))
              for name in names])
layers = model.layers[1:]
activation_model = keras.Model(model.inputs, [layer.output for layer in layers])
activation_model.predict(x[:1], verbose=0)  # trace once, outside the timed call
start = time.perf_counter()
activations = activation_model.predict(x, batch_size=len(x), verbose=0)
print(f"compute_seconds={time.perf_counter() - start:.4f}")
for item, name in enumerate(names):
    for layer, activation in zip(layers, activations):
        if activation.ndim == 4:
            target = os.path.join(out_dir, os.path.splitext(name)[0], layer.name)
            os.makedirs(target, exist_ok=True)
            save_grid(os.path.join(target, "grid.png"), activation_grid(activation[item]))
print(f"{len(layers)} layers, {len(names)} images")
