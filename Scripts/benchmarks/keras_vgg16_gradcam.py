"""Job 3 done the book's way (Deep Learning with Python 5.4.3) with Keras, for the benchmark:
Grad-CAM of VGG16 (with top) for the top class at block5_conv3, one 224x224 image, heatmap laid
over the photo with OpenCV's jet at 0.4 and written with cv2.imwrite. End to end, loading the .h5.
Prints `compute_seconds=` (image load, forward, gradient and heatmap, after load_model) for the
benchmark to parse.

    python3 keras_vgg16_gradcam.py MODEL.h5 IMAGE OUT_DIR"""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

model_path, img_path, out_dir = sys.argv[1:4]
os.makedirs(out_dir, exist_ok=True)
model = keras.models.load_model(model_path, compile=False)
start = time.perf_counter()  # for the benchmark's load/compute split only

img = keras.utils.load_img(img_path, target_size=(224, 224))
x = keras.utils.img_to_array(img)
x = np.expand_dims(x, axis=0)
x = keras.applications.vgg16.preprocess_input(x)

last_conv_layer = model.get_layer("block5_conv3")
grad_model = keras.Model(model.inputs, [last_conv_layer.output, model.output])
with tf.GradientTape() as tape:
    conv_output, preds = grad_model(x)
    class_index = int(tf.argmax(preds[0]))
    class_output = preds[:, class_index]
grads = tape.gradient(class_output, conv_output)
pooled_grads = tf.reduce_mean(grads, axis=(0, 1, 2)).numpy()
conv_output = conv_output.numpy()[0]
for i in range(pooled_grads.shape[-1]):
    conv_output[:, :, i] *= pooled_grads[i]
heatmap = np.mean(conv_output, axis=-1)
heatmap = np.maximum(heatmap, 0)
heatmap /= np.max(heatmap) if np.max(heatmap) > 0 else 1
print(f"compute_seconds={time.perf_counter() - start:.4f}")  # image load + Grad-CAM, after load_model

original = cv2.imread(img_path)
heatmap = cv2.resize(heatmap, (original.shape[1], original.shape[0]))
heatmap = np.uint8(255 * heatmap)
heatmap = cv2.applyColorMap(heatmap, cv2.COLORMAP_JET)
superimposed_img = heatmap * 0.4 + original
cv2.imwrite(os.path.join(out_dir, "overlay.png"), superimposed_img)
