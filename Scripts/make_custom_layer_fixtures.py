#!/usr/bin/env python3
"""Write the custom-layer fixtures into Tests/Fixtures/custom_layer/.

Tooling only: vizrun never runs Python. The example layer plugin
(Docs/Examples/ChannelStats, library ChannelSwish) runs the Keras layer
`ChannelSwish` defined below: y = x * sigmoid(beta * x) with a learnable beta
per channel (Swish-beta), or a single one with per_channel=False. This script
builds a small convnet around two such layers with Keras 3, gives it random
non-trivial weights, saves it as .h5 and .keras, reloads each file (with the
layer registered) and stores what Keras computes for one fixed input:

    Tests/Fixtures/custom_layer/
        model.h5, model.keras    the same model in both formats
        model.yaml, model.npz    the same model for the `raw` loader (layout keras)
        input.npy                (1, 12, 12, 3), uniform(0, 1)
        output.npy               (1, 4) softmax output
        swish_1.npy              output of the first ChannelSwish layer
        grad_input.npy           d output[0, CLASS] / d input, (1, 12, 12, 3)
        reference.json           index: class, layers, formulas, versions
        channels_first.h5        a ChannelSwish after a channels_first Conv2D, which
                                 vizrun refuses (plugin layers run channels_last only)

Weights are random (fixed numpy seed): kernels Glorot-uniform, biases
uniform(-0.5, 0.5), betas uniform(-0.5, 2.0) so that negative and small slopes
show. Deterministic: two runs give the same arrays.

Usage:  python3 Scripts/make_custom_layer_fixtures.py
"""

import os

from fixture_support import ROOT  # before TensorFlow: it fixes threads and seeds

import json

import numpy as np
import tensorflow as tf
import keras

OUT = os.path.join(ROOT, "Tests", "Fixtures", "custom_layer")
SEED = 20261130
CLASS = 2

# The model for the `raw` loader: Keras's class names and options, as build_model has them.
RAW_ARCHITECTURE = """\
# The model of model.h5 for the raw loader (Scripts/make_custom_layer_fixtures.py).
input_shape: [12, 12, 3]
layout: keras
weights: model.npz
layers:
  - {name: conv_1, type: Conv2D, filters: 8, kernel_size: 3}
  - {name: swish_1, type: ChannelSwish}
  - {name: pool, type: MaxPooling2D, pool_size: 2}
  - {name: conv_2, type: Conv2D, filters: 6, kernel_size: 3, padding: same}
  - {name: swish_2, type: ChannelSwish, per_channel: false}
  - {name: gap, type: GlobalAveragePooling2D}
  - {name: predictions, type: Dense, units: 4, activation: softmax}
"""


@keras.saving.register_keras_serializable(package="vizrun_examples")
class ChannelSwish(keras.layers.Layer):
    """x * sigmoid(beta * x), one learnable beta per channel (or one for all)."""

    def __init__(self, per_channel=True, **kwargs):
        super().__init__(**kwargs)
        self.per_channel = per_channel

    def build(self, input_shape):
        slopes = input_shape[-1] if self.per_channel else 1
        self.beta = self.add_weight(name="beta", shape=(slopes,), initializer="ones")

    def call(self, x):
        return x * keras.ops.sigmoid(self.beta * x)

    def get_config(self):
        return {**super().get_config(), "per_channel": self.per_channel}


def build_model():
    L = keras.layers
    inp = keras.Input(shape=(12, 12, 3), name="image")
    x = L.Conv2D(8, 3, name="conv_1")(inp)                      # 10x10x8
    x = ChannelSwish(name="swish_1")(x)
    x = L.MaxPooling2D(2, name="pool")(x)                       # 5x5x8
    x = L.Conv2D(6, 3, padding="same", name="conv_2")(x)        # 5x5x6
    x = ChannelSwish(per_channel=False, name="swish_2")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    out = L.Dense(4, activation="softmax", name="predictions")(x)
    return keras.Model(inp, out)


def build_channels_first_model():
    L = keras.layers
    inp = keras.Input(shape=(3, 8, 8), name="image")
    x = L.Conv2D(4, 3, data_format="channels_first", name="conv")(inp)
    x = ChannelSwish(name="swish")(x)
    out = L.GlobalAveragePooling2D(data_format="channels_first", name="gap")(x)
    return keras.Model(inp, out)


def randomise(model, rng):
    for layer in model.layers:
        values = []
        for weight in layer.weights:
            shape = tuple(weight.shape)
            if "beta" in weight.path:
                values.append(rng.uniform(-0.5, 2.0, shape))
            elif len(shape) == 1:
                values.append(rng.uniform(-0.5, 0.5, shape))
            else:
                fan_in, fan_out = np.prod(shape[:-1]), shape[-1] * (np.prod(shape[:-2]) if len(shape) > 2 else 1)
                limit = np.sqrt(6 / (fan_in + fan_out))
                values.append(rng.uniform(-limit, limit, shape))
        layer.set_weights([v.astype(np.float32) for v in values])


def references(model, x):
    """Output, the first ChannelSwish's output, and d output[0, CLASS] / d input."""
    xs = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xs)
        out = model(xs, training=False)
        score = out[0, CLASS]
    grad = tape.gradient(score, xs).numpy().astype(np.float32)
    swish = keras.Model(model.input, model.get_layer("swish_1").output)(xs, training=False)
    return np.asarray(out, np.float32), np.asarray(swish, np.float32), grad


def main():
    rng = np.random.default_rng(SEED)
    model = build_model()
    randomise(model, rng)
    x = rng.uniform(0, 1, (1, 12, 12, 3)).astype(np.float32)
    os.makedirs(OUT, exist_ok=True)  # every file but README.md is rewritten
    model.save(os.path.join(OUT, "model.h5"))
    model.save(os.path.join(OUT, "model.keras"))
    with open(os.path.join(OUT, "model.yaml"), "w") as f:
        f.write(RAW_ARCHITECTURE)
    # `<layer>/<role>`, in each layer's creation order (the order a layer type receives them).
    np.savez(os.path.join(OUT, "model.npz"), **{
        f"{layer.name}/{weight.name}": np.asarray(weight.numpy(), np.float32)
        for layer in model.layers for weight in layer.weights})

    expected = references(model, x)
    for name in ["model.h5", "model.keras"]:
        reloaded = keras.models.load_model(os.path.join(OUT, name), compile=False)
        for a, b in zip(references(reloaded, x), expected):
            np.testing.assert_array_equal(a, b)

    channels_first = build_channels_first_model()
    randomise(channels_first, np.random.default_rng([SEED, 1]))
    channels_first.save(os.path.join(OUT, "channels_first.h5"))

    output, swish, grad = expected
    np.save(os.path.join(OUT, "input.npy"), x)
    np.save(os.path.join(OUT, "output.npy"), output)
    np.save(os.path.join(OUT, "swish_1.npy"), swish)
    np.save(os.path.join(OUT, "grad_input.npy"), grad)
    reference = {
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "models": ["model.h5", "model.keras", "model.yaml"],
        "custom_layer": "ChannelSwish: y = x * sigmoid(beta * x), beta per channel (swish_1) or one (swish_2)",
        "input": "input.npy",
        "output": "output.npy",
        "layers": {"swish_1": "swish_1.npy"},
        "gradient": {"class": CLASS, "score": "softmax output[0, class] (probability)", "file": "grad_input.npy"},
    }
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(reference, f, indent=2)
        f.write("\n")
    print(f"custom_layer: output {output.ravel().tolist()}, |grad| max {float(np.abs(grad).max()):.3g}")


if __name__ == "__main__":
    main()
