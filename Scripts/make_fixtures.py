#!/usr/bin/env python3
"""Write vizrun's golden Keras fixtures into Tests/Fixtures/models/.

Tooling only: vizrun never runs Python. Each fixture folder holds a Keras
model file, a fixed input, every layer's output and an input gradient, all
computed by Keras/TensorFlow, for the Swift tests to compare against
(tolerance: 1e-4 of the reference's largest magnitude, see Docs/DESIGN).

    Tests/Fixtures/models/<name>/
        model.h5          the Keras file (not for "seed", which points at Configs/)
        input.npy         float32 (N,H,W,C)
        outputs/NN_<layer>.npy   output of the NN-th non-input layer of model.layers
                          (1-based, model.layers order), float32, batch axis kept
        grad_input.npy    d(sum over batch of model.output[:, 0]) / d input, float32
        reference.json    index of all of the above

Fixtures
    k2_sequential / k3_sequential   the same Sequential net, weights and input,
                                    written by tf-keras (legacy .h5) and by Keras 3
    k2_functional / k3_functional   the same two-branch functional net, ditto
    seed                            Configs/models/scenes_convnet.h5 (the trained
                                    demo model, see Scripts/train_demo_model.py)
                                    on Configs/images/chelsea.jpg loaded as in
                                    Deep Learning with Python 5.4.1

Weights are random (fixed numpy seed): kernels Glorot-uniform, every bias
uniform(-0.5, 0.5) so that a missing or misplaced bias shows. The Keras 3
models are rebuilt from the same code and receive the tf-keras model's
weights layer by layer, so the k2_* and k3_* references must agree; the script
prints the largest difference. All references are computed from the model
*reloaded from the written file*, and checked against the in-memory model.

Usage:  python3 Scripts/make_fixtures.py      (needs Configs/models/scenes_convnet.h5
                                              and Configs/images/chelsea.jpg, which
                                              Scripts/train_demo_model.py writes)
"""

import os
import sys

from fixture_support import ROOT, dump_reference, file_keras_version, input_gradient, is_input_layer, safe  # before TensorFlow: it fixes threads and seeds

import shutil

import numpy as np
import tensorflow as tf
import tf_keras
import keras as keras3

OUT = os.path.join(ROOT, "Tests", "Fixtures", "models")
SEED_MODEL = os.path.join(ROOT, "Configs", "models", "scenes_convnet.h5")
SEED_LABELS = os.path.join(ROOT, "Configs", "models", "scenes_convnet.labels.txt")
SEED_IMAGE = os.path.join(ROOT, "Configs", "images", "chelsea.jpg")
SEED = 20240607


# --------------------------------------------------------------------------
# Architectures. `K` is either tf_keras or keras (3); both spell these the same.

def build_sequential(K):
    L = K.layers
    return K.Sequential(
        [
            K.Input(shape=(32, 32, 3)),
            L.Conv2D(8, 3, activation="relu"),                                   # 30x30x8   valid
            L.MaxPooling2D(2),                                                   # 15x15x8
            L.Conv2D(16, 3, padding="same", activation="relu"),                  # 15x15x16  (odd)
            L.AveragePooling2D(2, padding="same"),                               # 8x8x16    SAME pad (0,1): asymmetric, divides by in-bounds count
            L.Conv2D(16, 3, strides=2, padding="same", activation="tanh"),       # 4x4x16    SAME pad (0,1): asymmetric
            L.Conv2D(8, 3, dilation_rate=2, padding="same", use_bias=False,
                     activation="sigmoid"),                                      # 4x4x8     ke=5, pad (2,2)
            L.Activation("relu"),                                                # 4x4x8
            L.MaxPooling2D(3, strides=2, padding="same"),                        # 2x2x8     SAME pad (0,1): asymmetric
            L.Flatten(),                                                         # 32
            L.Dropout(0.5),                                                      # 32 (identity at inference)
            L.Dense(16, activation="relu"),
            L.Dense(5, activation="softmax"),
        ]
    )


def build_functional(K):
    L = K.layers
    inp = K.Input(shape=(23, 19, 1))
    x = L.Conv2D(6, 3, strides=2, padding="same", activation="relu")(inp)   # 12x10x6  pad (1,1) both axes
    a = L.Conv2D(6, 1)(x)                                                   # linear 1x1
    b = L.Conv2D(6, 3, padding="same", activation="tanh")(x)
    s = L.Add()([a, b])
    c = L.Concatenate()([s, a])                                             # axis -1: 12x10x12
    y = L.AveragePooling2D(pool_size=3, strides=2, padding="valid")(c)      # 5x4x12
    y = L.MaxPooling2D(2, padding="same")(y)                                # 3x2x12   H pad (0,1)
    y = L.Flatten()(y)                                                      # 72
    y = L.Dense(8, activation="linear")(y)
    y = L.Activation("tanh")(y)
    out = L.Dense(1, activation="sigmoid")(y)
    return K.Model(inp, out)


ARCHS = {
    "sequential": (build_sequential, (2, 32, 32, 3)),
    "functional": (build_functional, (2, 23, 19, 1)),
}


# --------------------------------------------------------------------------

def randomize(model, rng):
    """Glorot-uniform kernels, uniform(-0.5, 0.5) biases, drawn from numpy."""
    for layer in model.layers:
        new = []
        for w in layer.weights:
            shape = tuple(w.shape)
            short = w.name.split("/")[-1].split(":")[0]
            if short == "bias":
                v = rng.uniform(-0.5, 0.5, size=shape)
            else:
                receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
                fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
                lim = np.sqrt(6.0 / (fan_in + fan_out))
                v = rng.uniform(-lim, lim, size=shape)
            new.append(v.astype(np.float32))
        if new:
            layer.set_weights(new)


def copy_weights(src, dst):
    """Layer by layer, by name (both models were built by the same code)."""
    for layer in dst.layers:
        if is_input_layer(layer):     # named input_1 (tf-keras) vs input_layer (Keras 3)
            continue
        w = src.get_layer(layer.name).get_weights()
        layer.set_weights(w)
    assert len(src.weights) == len(dst.weights)


def layer_outputs(K, model, x):
    """Every non-input layer's output, in model.layers order (inference mode)."""
    layers = [l for l in model.layers if not is_input_layer(l)]
    probe = K.Model(model.inputs, [l.output for l in layers])
    outs = probe(tf.constant(x), training=False)
    if not isinstance(outs, (list, tuple)):
        outs = [outs]
    return layers, [np.asarray(o, dtype=np.float32) for o in outs]


def write_fixture(name, K, model_path, model_ref, writer, x, extra=None, in_memory=None):
    """Reload the model from `model_path`, compute and write every reference."""
    folder = os.path.join(OUT, name)
    model = K.models.load_model(model_path, compile=False)
    layers, outs = layer_outputs(K, model, x)
    grad = input_gradient(model, x)
    final = np.asarray(model(tf.constant(x), training=False), dtype=np.float32)
    np.testing.assert_allclose(outs[-1], final, rtol=0, atol=1e-6)
    if in_memory is not None:  # the file round trip must not change anything
        _, mem = layer_outputs(K, in_memory, x)
        assert max(float(np.max(np.abs(a - b))) for a, b in zip(outs, mem)) == 0.0, name

    os.makedirs(os.path.join(folder, "outputs"), exist_ok=True)
    np.save(os.path.join(folder, "input.npy"), x.astype(np.float32))
    np.save(os.path.join(folder, "grad_input.npy"), grad)
    entries = []
    for i, (layer, out) in enumerate(zip(layers, outs), start=1):
        rel = f"outputs/{i:02d}_{safe(layer.name)}.npy"
        np.save(os.path.join(folder, rel), out)
        entries.append({"name": layer.name, "class": type(layer).__name__,
                        "output": rel, "shape": list(out.shape)})
    ref = {
        "keras_version": file_keras_version(model_path),
        "writer": writer,
        "model": model_ref,
        "input": "input.npy",
        "gradient": {"output_index": 0, "file": "grad_input.npy"},
        "layers": entries,
    }
    if extra:
        ref.update(extra)
    with open(os.path.join(folder, "reference.json"), "w") as f:
        f.write(dump_reference(ref))
    print(f"{name}: {len(entries)} layers, keras_version {ref['keras_version']}, "
          f"layer names {[e['name'] for e in entries]}")
    return {e["name"]: o for e, o in zip(entries, outs)}, grad


def make_pair(arch):
    build, in_shape = ARCHS[arch]
    rng = np.random.default_rng([SEED, len(arch)])
    x = rng.uniform(0.0, 1.0, size=in_shape).astype(np.float32)

    tf_keras.backend.clear_session()        # fresh automatic names: conv2d, conv2d_1, ...
    k2 = build(tf_keras)
    randomize(k2, rng)
    keras3.backend.clear_session()
    k3 = build(keras3)
    copy_weights(k2, k3)

    refs = {}
    for tag, K, model, writer in (("k2", tf_keras, k2, "tf-keras"), ("k3", keras3, k3, "keras3")):
        name = f"{tag}_{arch}"
        folder = os.path.join(OUT, name)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        path = os.path.join(folder, "model.h5")
        model.save(path)                    # .h5 suffix: legacy whole-model HDF5 in both
        refs[tag] = write_fixture(name, K, path, "model.h5", writer, x, in_memory=model)

    (o2, g2), (o3, g3) = refs["k2"], refs["k3"]
    assert list(o2) == list(o3), (list(o2), list(o3))
    worst = max(float(np.max(np.abs(o2[n] - o3[n]))) for n in o2)
    gdiff = float(np.max(np.abs(g2 - g3)))
    print(f"{arch}: k2 vs k3 max |diff| over all layer outputs {worst:.3g}, "
          f"gradient {gdiff:.3g} (grad max |g| {float(np.max(np.abs(g2))):.3g})")
    assert worst < 1e-5 and gdiff < 1e-5


def make_seed():
    for p in (SEED_MODEL, SEED_IMAGE):
        if not os.path.exists(p):
            sys.exit(f"missing {p}: run python3 Scripts/train_demo_model.py first")
    folder = os.path.join(OUT, "seed")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    # Deep Learning with Python 5.4.1: load_img (PIL, nearest), img_to_array, /255.
    img = tf_keras.utils.load_img(SEED_IMAGE, target_size=(150, 150))
    x = np.expand_dims(tf_keras.utils.img_to_array(img), axis=0) / 255.0
    x = x.astype(np.float32)
    rel = lambda p: os.path.relpath(p, folder)
    outs, _ = write_fixture(
        "seed", tf_keras, SEED_MODEL, rel(SEED_MODEL), "tf-keras", x,
        extra={
            "labels": rel(SEED_LABELS),
            "image": rel(SEED_IMAGE),
            "preprocessing": "keras.utils.load_img(image, target_size=(150, 150)) "
                             "[interpolation nearest], img_to_array, /255.",
        },
    )
    labels = open(SEED_LABELS).read().split()
    p = outs[list(outs)[-1]][0]
    print("seed prediction:", ", ".join(f"{labels[i]} {p[i]:.3f}" for i in np.argsort(p)[::-1][:3]))


def main():
    os.makedirs(OUT, exist_ok=True)
    for arch in ARCHS:
        make_pair(arch)
    make_seed()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"total size of {os.path.relpath(OUT, ROOT)}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
