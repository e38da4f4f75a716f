"""Job 2 done the book's way (Deep Learning with Python 5.4.2) with Keras, for the benchmark:
filter patterns of VGG16 (no top) layer block3_conv1 by gradient ascent, filters 0..7, 40 steps,
150x150, start uniform in [128, 148), gradient divided by its RMS + 1e-5 per pattern, step 1.0,
then deprocessed and written as 8 PNGs and a grid.

As vizrun's `batch: 8`, the 8 filters go through together: one tf.function step on a (8, 150, 150, 3)
variable whose loss is sum_b mean(act[b, :, :, b]), so one GradientTape pass gives every pattern's
gradient (the book's per-filter loop, batched). Prints `compute_seconds=` (the 40 steps only, after
one traced warm-up step on a copy) for the benchmark to parse.

    python3 keras_vgg16_filters.py MODEL.h5 OUT_DIR [LAYER] [FILTERS] [STEPS] [SIZE]"""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

model_path, out_dir = sys.argv[1:3]
layer_name = sys.argv[3] if len(sys.argv) > 3 else "block3_conv1"
n_filters = int(sys.argv[4]) if len(sys.argv) > 4 else 8
steps = int(sys.argv[5]) if len(sys.argv) > 5 else 40
size = int(sys.argv[6]) if len(sys.argv) > 6 else 150
os.makedirs(out_dir, exist_ok=True)

model = keras.models.load_model(model_path, compile=False)
layer = model.get_layer(name=layer_name)
feature_extractor = keras.Model(inputs=model.inputs, outputs=layer.output)
selector = tf.one_hot(tf.range(n_filters), layer.output.shape[-1])  # item b scores filter b


@tf.function
def gradient_ascent_step(image, step_size):
    with tf.GradientTape() as tape:
        tape.watch(image)
        activation = feature_extractor(image)
        # sum_b mean(act[b, :, :, b]): each item's loss is its own filter's mean activation
        loss = tf.reduce_sum(tf.reduce_mean(activation, axis=[1, 2]) * selector)
    grads = tape.gradient(loss, image)
    grads /= tf.sqrt(tf.reduce_mean(tf.square(grads), axis=[1, 2, 3], keepdims=True)) + 1e-5
    image.assign_add(step_size * grads)


image = tf.Variable(tf.random.uniform((n_filters, size, size, 3), minval=128, maxval=148))
warm = tf.Variable(tf.identity(image))
gradient_ascent_step(warm, 1.0)  # trace once, outside the timed loop
start = time.perf_counter()
for _ in range(steps):
    gradient_ascent_step(image, 1.0)
patterns = image.numpy()
print(f"compute_seconds={time.perf_counter() - start:.4f}")


def deprocess_image(x):
    x -= x.mean()
    x /= x.std() + 1e-5
    x *= 0.1
    x += 0.5
    x = np.clip(x, 0, 1)
    x *= 255
    return np.clip(x, 0, 255).astype("uint8")


margin = 5
grid = np.zeros((size + margin, n_filters * (size + margin) - margin, 3), dtype="uint8")[:size]
for f in range(n_filters):
    pattern = deprocess_image(patterns[f].copy())
    keras.utils.save_img(os.path.join(out_dir, f"filter_{f}.png"), pattern)
    grid[:, f * (size + margin):f * (size + margin) + size] = pattern
keras.utils.save_img(os.path.join(out_dir, "grid.png"), grid)
