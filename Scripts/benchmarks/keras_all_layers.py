"""Job 4 with Keras, for the benchmark: every layer's activation of a keras.applications model
(MobileNetV2 or ResNet50, random weights) for a batch of 32 images, as the book's activation_model
(one Model with all layer outputs, one predict over IMAGE repeated COUNT times). `compute_seconds=`
times that predict, after a traced warm-up on one image; vizrun's counterpart is the manifest's
`compute_seconds`, its time in the network's passes.

    python3 keras_all_layers.py MODEL.h5 IMAGE [COUNT]"""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402

model_path, img_path = sys.argv[1:3]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 32
model = keras.models.load_model(model_path, compile=False)
img = keras.utils.img_to_array(keras.utils.load_img(img_path, target_size=(224, 224)))
x = np.repeat(img[np.newaxis], count, axis=0)
activation_model = keras.Model(model.inputs, [layer.output for layer in model.layers[1:]])
activation_model.predict(x[:1], verbose=0)  # trace once, outside the timed call
start = time.perf_counter()
activations = activation_model.predict(x, batch_size=count, verbose=0)
print(f"compute_seconds={time.perf_counter() - start:.4f}")
print(f"{len(activations)} layers")
