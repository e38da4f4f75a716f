#!/usr/bin/env python3
"""Write vizrun's per-layer golden Keras fixtures into Tests/Fixtures/layers/.

Tooling only: vizrun never runs Python. Each fixture is a small model that
holds one family of layers (issue 4, "Layers and activations"), written by
tf-keras 2 (legacy .h5) and by Keras 3 (.h5), with random non-trivial weights,
a fixed input, every layer's output and an input gradient, all computed by
Keras/TensorFlow from the model reloaded from the written file. The layout is
that of Scripts/make_fixtures.py, so the Swift tests read both the same way:

    Tests/Fixtures/layers/<k2|k3>_<family>/
        model.h5, input.npy, outputs/NN_<layer>.npy, grad_input.npy, reference.json
    Tests/Fixtures/layers/k3_<family>_keras/
        the same Keras 3 model as model.keras (weights stored unnamed, in creation order)

Families
    convolutions   DepthwiseConv2D (depth_multiplier, dilation), SeparableConv2D,
                   Conv2DTranspose (same/valid, strides, output_padding), pooling
    normalization  BatchNormalization (axis 3 and 1, center/scale off, epsilon),
                   LayerNormalization (last axis, several axes), Rescaling,
                   Normalization (inline statistics, adapted weights, invert)
    shapes         ZeroPadding2D, Cropping2D, UpSampling2D (nearest, bilinear),
                   Resizing (bilinear, nearest), Permute, Reshape, global pooling
    activations    every built-in activation string and activation layer,
                   summed so the input gradient runs through all of them
    merges         Subtract, Multiply, Average, Maximum, Minimum, Concatenate
    sequences      Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D
                   after a Reshape of an image, plus the training-only identities

Weights are random (fixed numpy seed): kernels Glorot-uniform, biases and betas
uniform(-0.5, 0.5), gammas uniform(0.5, 1.5), means uniform(-0.5, 0.5),
variances uniform(0.3, 2), PReLU slopes uniform(0.05, 0.5): so a wrong epsilon,
a swapped mean and variance or a missing bias shows.

Usage:  python3 Scripts/make_layer_fixtures.py
"""

import os

from fixture_support import ROOT, file_keras_version  # before TensorFlow: it fixes threads and seeds

import shutil

import numpy as np
import tf_keras
import keras as keras3

from make_fixtures import write_fixture
import make_fixtures

OUT = os.path.join(ROOT, "Tests", "Fixtures", "layers")
SEED = 20251130


def is_keras3(K):
    return K is keras3


# --------------------------------------------------------------------------
# Families. `K` is tf_keras or keras (3).

def build_convolutions(K):
    L = K.layers
    inp = K.Input(shape=(9, 10, 3))
    x = L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu6")(inp)      # 9x10x6
    x = L.SeparableConv2D(5, 3, strides=2, padding="same", depth_multiplier=2,
                          activation="elu")(x)                                                 # 5x5x5
    x = L.Conv2DTranspose(4, 3, strides=2, padding="same", activation="tanh")(x)               # 10x10x4
    x = L.Conv2DTranspose(3, (2, 3), strides=(2, 1), padding="valid")(x)                       # 20x12x3
    x = L.DepthwiseConv2D((3, 2), strides=2, padding="valid", use_bias=False)(x)               # 9x6x3
    x = L.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1)(x)                # 18x12x4 (SAME, output_padding 1)
    x = L.Conv2DTranspose(2, 2, strides=3, padding="valid", use_bias=False)(x)                 # k < s: 54x36x2
    x = L.DepthwiseConv2D(3, dilation_rate=2, padding="same", depth_multiplier=3)(x)           # 54x36x6
    x = L.SeparableConv2D(4, (2, 3), dilation_rate=(2, 1), padding="valid", use_bias=False)(x)  # 52x34x4
    x = L.MaxPooling2D(4)(x)                                                                   # 13x8x4
    x = L.GlobalAveragePooling2D()(x)
    out = L.Dense(3, activation="softmax")(x)
    return K.Model(inp, out), (2, 9, 10, 3)


def build_normalization(K):
    L = K.layers
    inp = K.Input(shape=(6, 7, 4))
    x = L.Rescaling(1 / 127.5, offset=-1)(inp)
    x = L.Normalization(mean=[0.1, -0.2, 0.3, 0.0], variance=[0.5, 2.0, 1.5, 0.25])(x)
    x = L.BatchNormalization()(x)
    x = L.Conv2D(5, 3, padding="same")(x)
    x = L.BatchNormalization(axis=1, epsilon=0.01)(x)                     # statistics per row
    x = L.BatchNormalization(center=False, scale=False, epsilon=0.1)(x)
    x = L.BatchNormalization(center=False, momentum=0.9)(x)
    x = L.LayerNormalization()(x)
    # Keras 3.15 reloads a list axis from .h5 as the last axis only, so it gets a single axis there.
    x = L.LayerNormalization(axis=1 if is_keras3(K) else [1, 2, 3], epsilon=0.01)(x)
    x = L.LayerNormalization(axis=2, center=False)(x)                     # a middle axis: not contiguous
    x = L.Normalization(axis=-1)(x)                                       # adapted: mean/variance/count weights
    x = L.Rescaling([0.5, 1.0, 2.0, 1.5, 0.75], offset=0.25)(x)          # per-channel scale
    x = L.Normalization(mean=[0.5, -1.0, 0.0, 2.0, 1.0], variance=[4.0, 0.5, 1.0, 2.0, 0.1], invert=True)(x)
    x = L.Flatten()(x)
    out = L.Dense(2)(x)
    return K.Model(inp, out), (2, 6, 7, 4)


def build_shapes(K):
    L = K.layers
    inp = K.Input(shape=(5, 6, 3))
    x = L.ZeroPadding2D(((1, 2), (0, 3)))(inp)                            # 8x9
    x = L.Cropping2D(((1, 0), (2, 1)))(x)                                 # 7x6
    x = L.Conv2D(4, 3, activation="tanh")(x)                              # 5x4x4
    x = L.UpSampling2D(2)(x)                                              # 10x8
    x = L.ZeroPadding2D(1)(x)                                             # 12x10
    x = L.Cropping2D(2)(x)                                                # 8x6
    x = L.UpSampling2D((2, 3), interpolation="bilinear")(x)               # 16x18
    x = L.Resizing(7, 11)(x)                                              # bilinear, downsampling and not a whole factor
    x = L.Resizing(9, 5, interpolation="nearest")(x)
    x = L.Resizing(13, 14)(x)
    x = L.Permute((2, 1, 3))(x)                                           # 14x13x4
    x = L.Reshape((7, 26, 4))(x)
    x = L.Permute((3, 1, 2))(x)                                           # 4x7x26
    x = L.GlobalMaxPooling2D(keepdims=True)(x)                            # 1x1x26
    x = L.Reshape((-1,))(x)
    out = L.Dense(2)(x)
    return K.Model(inp, out), (2, 5, 6, 3)


def activation_names(K):
    common = ["linear", "relu", "sigmoid", "tanh", "elu", "selu", "softplus", "softsign", "swish",
              "gelu", "hard_sigmoid", "mish", "exponential", "softmax"]
    if is_keras3(K):
        return common + ["relu6", "silu", "hard_silu", "hard_swish", "leaky_relu", "log_softmax", "celu",
                         "squareplus", "hard_shrink", "soft_shrink", "hard_tanh", "tanh_shrink", "log_sigmoid",
                         "sparse_plus", "sparse_sigmoid"]
    return common


def build_activations(K):
    L = K.layers
    inp = K.Input(shape=(4, 5, 3))
    # Values spread over about ±4: both sides of every kink (hard_sigmoid's at ±2.5 and ±3, relu6's at 6).
    x = L.Conv2D(6, 3, padding="same")(inp)
    x = L.Rescaling(3.0)(x)
    branches = [L.Activation(name, name=f"act_{name}")(x) for name in activation_names(K)]
    branches += [
        L.Conv2D(6, 1, activation="gelu")(x),
        L.Dense(6, activation="hard_sigmoid")(x),
        L.ReLU()(x),
        L.ReLU(max_value=2.5, negative_slope=0.1, threshold=0.3)(x),
        L.ReLU(max_value=6.0)(x),
        L.ReLU(negative_slope=0.2)(x),
        L.ReLU(threshold=0.5)(x),
        L.LeakyReLU()(x),
        L.LeakyReLU(0.05)(x),
        L.PReLU()(x),
        L.PReLU(shared_axes=[1, 2])(x),
        L.ELU(alpha=0.7)(x),
        L.ELU()(x),
        L.Softmax(axis=1)(x),
        L.Softmax()(x),
        L.Identity()(x),
    ]
    if not is_keras3(K):
        branches.append(L.ThresholdedReLU(theta=0.4)(x))
    y = L.Add()(branches)
    y = L.GlobalAveragePooling2D()(y)
    out = L.Dense(3)(y)
    return K.Model(inp, out), (2, 4, 5, 3)


def build_merges(K):
    L = K.layers
    inp = K.Input(shape=(4, 4, 2))
    a = L.Conv2D(3, 3, padding="same", activation="tanh")(inp)
    b = L.Conv2D(3, 1)(inp)
    c = L.Conv2D(3, 2, padding="same")(inp)
    s = L.Subtract()([a, b])
    m = L.Multiply()([a, b, c])
    v = L.Average()([a, b, c])
    hi = L.Maximum()([a, b, c])
    lo = L.Minimum()([a, b])
    rows = L.Concatenate(axis=1)([s, m])                                  # 8x4x3
    cols = L.Concatenate(axis=2)([v, hi])                                 # 4x8x3
    cols = L.Permute((2, 1, 3))(cols)                                     # 8x4x3
    y = L.Concatenate(axis=-1)([rows, cols])                              # 8x4x6
    y = L.Add()([y, L.Concatenate(axis=1)([L.Concatenate()([lo, lo]), L.Concatenate()([a, c])])])
    y = L.Flatten()(y)
    out = L.Dense(2)(y)
    return K.Model(inp, out), (2, 4, 4, 2)


def build_sequences(K):
    L = K.layers
    inp = K.Input(shape=(6, 4, 3))
    x = L.Conv2D(4, 3, padding="same", activation="relu")(inp)
    x = L.SpatialDropout2D(0.3)(x)
    x = L.GaussianNoise(0.5)(x)
    x = L.Reshape((24, 4))(x)                                             # an image read as a sequence
    x = L.Conv1D(5, 3, padding="same", activation="relu")(x)
    x = L.SpatialDropout1D(0.2)(x)
    x = L.MaxPooling1D(2)(x)                                              # 12
    x = L.Conv1D(6, 2, strides=2, dilation_rate=1)(x)                     # 6
    x = L.GaussianDropout(0.3)(x)
    x = L.Conv1D(4, 2, dilation_rate=2, padding="same", use_bias=False)(x)
    x = L.AveragePooling1D(3, strides=2, padding="same")(x)               # 3
    x = L.AlphaDropout(0.1)(x)
    x = L.ActivityRegularization(l1=0.01)(x)
    x = L.MaxPooling1D(2, padding="same")(x)                              # 2
    y = L.GlobalAveragePooling1D()(x)
    z = L.GlobalMaxPooling1D()(x)
    out = L.Dense(2)(L.Concatenate()([y, z]))
    return K.Model(inp, out), (2, 6, 4, 3)


FAMILIES = {
    "convolutions": build_convolutions,
    "normalization": build_normalization,
    "shapes": build_shapes,
    "activations": build_activations,
    "merges": build_merges,
    "sequences": build_sequences,
}


# --------------------------------------------------------------------------

def randomize(model, rng):
    """Every weight drawn so that its role matters (see the module docstring)."""
    for layer in model.layers:
        new = []
        for w in layer.weights:
            shape = tuple(w.shape)
            role = w.name.split("/")[-1].split(":")[0]
            if role in ("bias", "beta", "moving_mean", "mean"):
                v = rng.uniform(-0.5, 0.5, size=shape)
            elif role == "gamma":
                v = rng.uniform(0.5, 1.5, size=shape)
            elif role in ("moving_variance", "variance"):
                v = rng.uniform(0.3, 2.0, size=shape)
            elif role == "alpha":
                v = rng.uniform(0.05, 0.5, size=shape)
            elif role == "count":
                v = np.full(shape, 10)
            else:
                receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
                fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
                lim = np.sqrt(6.0 / (fan_in + fan_out))
                v = rng.uniform(-lim, lim, size=shape)
            new.append(np.asarray(v).astype(w.dtype if isinstance(w.dtype, str) else w.dtype.name))
        if new:
            layer.set_weights(new)
        if type(layer).__name__ == "Normalization":
            layer.finalize_state()      # adapted statistics: recompute the broadcast mean and variance


def make_family(family):
    build = FAMILIES[family]
    for tag, K, writer in (("k2", tf_keras, "tf-keras"), ("k3", keras3, "keras3")):
        K.backend.clear_session()
        rng = np.random.default_rng([SEED, len(family)])
        model, in_shape = build(K)
        randomize(model, rng)
        x = rng.uniform(-1.0, 1.0, size=in_shape).astype(np.float32)
        name = f"{tag}_{family}"
        folder = os.path.join(OUT, name)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        path = os.path.join(folder, "model.h5")
        model.save(path)
        write_fixture(name, K, path, "model.h5", writer, x, in_memory=model)
        print(f"  {name}: keras_version {file_keras_version(path)}")
        if is_keras3(K):
            # The same model as a .keras archive, whose weights are unnamed: each layer mapping must
            # take them in Keras's creation order.
            folder = os.path.join(OUT, f"{name}_keras")
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(folder)
            path = os.path.join(folder, "model.keras")
            model.save(path)
            write_fixture(f"{name}_keras", K, path, "model.keras", writer, x, in_memory=model)


def main():
    make_fixtures.OUT = OUT     # write_fixture writes under make_fixtures.OUT
    os.makedirs(OUT, exist_ok=True)
    for family in FAMILIES:
        make_family(family)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"total size of {os.path.relpath(OUT, ROOT)}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
