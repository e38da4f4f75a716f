"""The seed job done the book's way (Deep Learning with Python 5.4.1) with Keras, for the benchmark:
load the model, load one image, the first 8 layers' activations, 8 grids written as PNG."""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402

from book_grid import activation_grid, save_grid  # noqa: E402

model_path, image_path, out_dir = sys.argv[1:4]
os.makedirs(out_dir, exist_ok=True)
model = keras.models.load_model(model_path)
img = keras.utils.load_img(image_path, target_size=(150, 150))
x = keras.utils.img_to_array(img)[np.newaxis] / 255.0
layer_outputs = [layer.output for layer in model.layers[:8]]
activation_model = keras.models.Model(inputs=model.input, outputs=layer_outputs)
activations = activation_model.predict(x, verbose=0)
for layer, act in zip(model.layers[:8], activations):
    save_grid(os.path.join(out_dir, layer.name + ".png"), activation_grid(act[0]))
