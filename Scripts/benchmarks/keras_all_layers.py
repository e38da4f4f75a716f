"""Job 4 with Keras, for the benchmark: every layer's activation of a keras.applications model
(MobileNetV2 or ResNet50, random weights) for a batch of 32 images, as the book's activation_model
(one Model with all layer outputs, one predict over IMAGE repeated COUNT times). The benchmark runs
it only when vizrun can load the model: BatchNormalization, DepthwiseConv2D and ZeroPadding2D are
not supported by vizrun yet, and until they are the row says so.

    python3 keras_all_layers.py MODEL.h5 IMAGE [COUNT]"""
import os
import sys

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
activations = activation_model.predict(x, batch_size=count, verbose=0)
print(f"{len(activations)} layers")
