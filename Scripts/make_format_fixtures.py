#!/usr/bin/env python3
"""Write the fixtures of the file formats vizrun reads into Tests/Fixtures/formats/.

Tooling only: vizrun never runs Python. Like Scripts/make_fixtures.py, each
fixture folder holds a model file, an input and what Keras computes from them:

    Tests/Fixtures/formats/<name>/
        model.h5 | model.keras   the file under test
        input.npy                float32 (N,H,W,C), what a vizrun user feeds
        outputs/NN_<layer>.npy   every non-input layer, nested ones included
        grad_input.npy           d(sum over batch of output[:, 0]) / d input
        reference.json           index of the above (layer names as vizrun
                                 spells them: `outer/inner` inside nested models)

Layer order in reference.json (and in vizrun's model.layers): the model's own
layers in `model.layers` order; a nested model is followed at once by its own
layers (inputs left out), recursively.

Fixtures (weights random, seeded; biases uniform(-0.5, 0.5) so a lost bias shows)

    nested_sequential_{k2,k3}.h5, nested_sequential_{k2,k3}.keras
        Deep Learning with Python 5.3: a small VGG-like Functional conv base
        named `conv_base` inside a Sequential classifier. Also stores the
        Grad-CAM heatmap of `conv_base/block2_conv2` (gradcam.npy).
    nested_functional_{k2,k3}.h5, nested_functional_{k2,k3}.keras
        A Functional model containing a Sequential `mid` that itself contains
        a Functional `inner` (two levels deep), merged with a skip connection.
    chunked_names_k2.h5
        tf-keras model whose layer names (outer model) and weight names (its
        nested base) exceed 64 KB, so Keras splits the attributes into
        `layer_names0, layer_names1, …` and `weight_names0, …`.
    channels_first_{k2,k3}.h5
        data_format="channels_first" Conv2D, pooling, Concatenate(axis=1) and
        two Flattens (the default one, which flattens (C,H,W) order, and
        Flatten(data_format="channels_first"), which flattens (H,W,C) order).
    keras1_sequential.h5, keras1_functional_th.h5
        Keras 1.2 files, written by hand (Keras 1 does not install on current
        Python): the config JSON Keras 1.2.2 writes (Convolution2D with
        nb_filter/nb_row/nb_col/border_mode/subsample/dim_ordering/init/bias,
        Dense output_dim, Dropout p, Merge mode=concat; a Sequential config is
        a bare list) and the weights as Keras 1.2's save_weights_to_hdf5_group
        lays them out: root attribute keras_version "1.2.2", no backend;
        /model_weights with layer_names; one group per layer with weight_names
        such as `convolution2d_1_W:0` (TensorFlow backend) or
        `convolution2d_1_W` (Theano), datasets named the same; "th"
        convolution kernels stored as (out, in, rows, cols).

channels_first references: TensorFlow cannot run channels_first convolutions
on a CPU, so the reference is the equivalent channels_last model (the same
kernels; the Dense after the (C,H,W)-order Flatten gets its kernel rows
permuted to (H,W,C) order) run on the transposed input. A plain-numpy forward
pass of the channels_first model in NCHW checks that twin. What is stored is
what vizrun shows a user: every 4-D activation as (N,H,W,C) and a Flatten as
the (H,W,C)-ordered vector; layers from the first Dense on are Keras's values.
The Keras 1 references are computed the same way, by a Keras 3 twin.

Usage:  python3 Scripts/make_format_fixtures.py [nested | chunked | channels_first | keras1 ...]
"""

import os

from fixture_support import ROOT, dump_reference, file_keras_version, input_gradient, is_input_layer, safe  # before TensorFlow: it fixes threads and seeds

import json
import shutil
import sys

import h5py
import numpy as np
import tensorflow as tf
import tf_keras
import keras as keras3

OUT = os.path.join(ROOT, "Tests", "Fixtures", "formats")
SEED = 20251130


# --------------------------------------------------------------------------
# Architectures. `K` is tf_keras or keras (3); every layer is named so both
# Keras versions give the same names.

def conv_base(K, name):
    """A VGG16-shaped conv base in miniature, like `VGG16(include_top=False)`."""
    L = K.layers
    inp = K.Input(shape=(20, 20, 3), name=f"{name}_input")
    x = L.Conv2D(6, 3, padding="same", activation="relu", name="block1_conv1")(inp)
    x = L.Conv2D(6, 3, padding="same", activation="relu", name="block1_conv2")(x)
    x = L.MaxPooling2D(2, name="block1_pool")(x)                               # 10x10
    x = L.Conv2D(8, 3, padding="same", activation="relu", name="block2_conv1")(x)
    x = L.Conv2D(8, 3, padding="same", activation="relu", name="block2_conv2")(x)
    x = L.MaxPooling2D(2, name="block2_pool")(x)                               # 5x5
    return K.Model(inp, x, name=name)


def nested_sequential(K):
    L = K.layers
    return K.Sequential([
        K.Input(shape=(20, 20, 3), name="image"),
        conv_base(K, "conv_base"),
        L.Flatten(name="flatten"),
        L.Dense(16, activation="relu", name="dense"),
        L.Dropout(0.5, name="dropout"),
        L.Dense(3, activation="softmax", name="predictions"),
    ], name="classifier")


def nested_functional(K):
    L = K.layers
    inner_in = K.Input(shape=(10, 10, 4), name="inner_input")
    c = L.Conv2D(4, 3, padding="same", activation="relu", name="inner_conv")(inner_in)
    inner = K.Model(inner_in, L.Add(name="inner_add")([inner_in, c]), name="inner")
    mid = K.Sequential([
        K.Input(shape=(10, 10, 4), name="mid_input"),
        inner,
        L.Conv2D(5, 1, activation="tanh", name="mid_conv"),
    ], name="mid")
    inp = K.Input(shape=(12, 12, 3), name="image")
    stem = L.Conv2D(4, 3, activation="relu", name="stem")(inp)                # 10x10x4
    y = mid(stem)                                                              # 10x10x5
    z = L.Concatenate(name="merge")([stem, y])                                 # 10x10x9
    z = L.AveragePooling2D(2, name="pool")(z)                                  # 5x5x9
    z = L.Flatten(name="flatten")(z)
    out = L.Dense(2, activation="softmax", name="predictions")(z)
    return K.Model(inp, out, name="outer")


LONG = 2000   # characters per long name: 40 of them exceed the 64 KB attribute limit


def chunked_names(K):
    L = K.layers
    inp = K.Input(shape=(6, 6, 2), name="base_input")
    x = inp
    for i in range(40):
        x = L.Conv2D(2, 1, activation="tanh", name=f"c{i:02d}_" + "k" * LONG)(x)
    base = K.Model(inp, x, name="base")
    layers = [K.Input(shape=(6, 6, 2), name="image"), base]
    layers += [L.Activation("linear", name=f"a{i:02d}_" + "n" * LONG) for i in range(40)]
    layers += [L.Flatten(name="flatten"), L.Dense(3, activation="softmax", name="predictions")]
    return K.Sequential(layers, name="long_names")


def channels_first(K, fmt="channels_first"):
    """With fmt="channels_last", the twin that computes the reference."""
    L = K.layers
    first = fmt == "channels_first"
    inp = K.Input(shape=(3, 12, 10) if first else (12, 10, 3), name="image")
    x = L.Conv2D(6, 3, padding="same", activation="relu", data_format=fmt, name="conv1")(inp)
    a = L.Conv2D(4, 1, data_format=fmt, name="conv2")(x)
    c = L.Concatenate(axis=1 if first else -1, name="concat")([x, a])              # 10 channels
    p = L.MaxPooling2D(2, data_format=fmt, name="pool")(c)                         # 6x5
    q = L.AveragePooling2D(2, padding="same", data_format=fmt, name="avgpool")(p)  # 3x3
    f1 = L.Flatten(name="flat_default")(q)              # channels_first model: (C,H,W) order
    f2 = L.Flatten(data_format=fmt, name="flat_cf")(q)  # (H,W,C) order in both
    s = L.Add(name="heads")([L.Dense(5, name="head_a")(f1), L.Dense(5, name="head_b")(f2)])
    out = L.Dense(3, activation="softmax", name="predictions")(L.Activation("tanh", name="tanh")(s))
    return K.Model(inp, out, name="channels_first_net")


# --------------------------------------------------------------------------
# Weights

def random_weights(model, rng):
    """Glorot-uniform kernels, uniform(-0.5, 0.5) biases; set on every layer, nested ones too."""
    values = []
    for w in model.weights:
        shape = tuple(w.shape)
        if len(shape) == 1:
            values.append(rng.uniform(-0.5, 0.5, size=shape))
        else:
            receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
            lim = np.sqrt(6.0 / (shape[-2] * receptive + shape[-1] * receptive))
            values.append(rng.uniform(-lim, lim, size=shape))
    model.set_weights([v.astype(np.float32) for v in values])


def chw_rows_to_hwc(kernel, c, h, w):
    """Dense kernel rows in the order of a (C,H,W) flatten, reordered for an (H,W,C) flatten."""
    return kernel.reshape(c, h, w, -1).transpose(1, 2, 0, 3).reshape(c * h * w, -1)


# --------------------------------------------------------------------------
# References

def is_model(layer):
    return type(layer).__name__ in ("Functional", "Sequential", "Model")


def inbound_layer_names(entry):
    """The layers a Functional config entry is called on, in order, in Keras 2's list format or
    Keras 3's `__keras_tensor__` format."""
    names = []

    def walk(value):
        if isinstance(value, dict):
            if value.get("class_name") == "__keras_tensor__":
                names.append(value["config"]["keras_history"][0])
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            if len(value) >= 3 and isinstance(value[0], str) and isinstance(value[1], int):
                names.append(value[0])
                return
            for item in value:
                walk(item)

    walk(entry.get("inbound_nodes", []))
    return names


def layer_outputs(model, x, prefix=""):
    """(vizrun name, class, value) of every non-input layer, each nested model's own layers
    right after it. Evaluated layer by layer: Keras cannot build one probe model that reaches
    into a nested model ("Graph disconnected")."""
    result = []
    values = {}
    entries = {} if type(model).__name__ == "Sequential" else {e["name"]: e for e in model.get_config()["layers"]}
    previous = x
    for layer in model.layers:
        if is_input_layer(layer):
            values[layer.name] = x
            continue
        if entries:
            args = [values[n] for n in inbound_layer_names(entries[layer.name])]
            feed = args if len(args) > 1 else args[0]
        else:
            feed = previous
        if is_model(layer):
            inner = layer_outputs(layer, feed, prefix + layer.name + "/")
            value = layer(feed, training=False)
            result.append((prefix + layer.name, type(layer).__name__, np.asarray(value, dtype=np.float32)))
            result += inner
        else:
            value = layer(feed, training=False)
            result.append((prefix + layer.name, type(layer).__name__, np.asarray(value, dtype=np.float32)))
        values[layer.name] = previous = value
    if not prefix:
        final = np.asarray(model(x, training=False), dtype=np.float32)
        assert np.max(np.abs(np.asarray(previous) - final)) < 1e-6
    return result


def write_reference(name, model_file, writer, x, outputs, grad, extra=None):
    folder = os.path.join(OUT, name)
    os.makedirs(os.path.join(folder, "outputs"), exist_ok=True)
    np.save(os.path.join(folder, "input.npy"), x.astype(np.float32))
    np.save(os.path.join(folder, "grad_input.npy"), grad.astype(np.float32))
    entries = []
    for i, (layer, cls, value) in enumerate(outputs, start=1):
        rel = f"outputs/{i:02d}_{safe(layer)[:40]}.npy"
        np.save(os.path.join(folder, rel), value.astype(np.float32))
        entries.append({"name": layer, "class": cls, "output": rel, "shape": list(value.shape)})
    ref = {"keras_version": file_keras_version(os.path.join(folder, model_file)), "writer": writer,
           "model": model_file, "input": "input.npy",
           "gradient": {"output_index": 0, "file": "grad_input.npy"}, "layers": entries}
    ref.update(extra or {})
    with open(os.path.join(folder, "reference.json"), "w") as f:
        f.write(dump_reference(ref))
    print(f"{name}: {len(entries)} layers, keras {ref['keras_version']}")


def fresh(name):
    folder = os.path.join(OUT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return folder


def save_and_reference(name, K, model, file_name, writer, x, check=None, extra=None):
    """Saves `model`, reloads it, and writes the references computed from the reloaded model."""
    path = os.path.join(fresh(name), file_name)
    model.save(path)
    loaded = K.models.load_model(path, compile=False)
    outputs = layer_outputs(loaded, tf.constant(x))
    if check is not None:
        for (n, _, a), (m, _, b) in zip(outputs, check):
            assert n == m, (n, m)
            assert float(np.max(np.abs(a - b))) < 1e-5, (name, n, float(np.max(np.abs(a - b))))
    write_reference(name, file_name, writer, x, outputs, input_gradient(loaded, x), extra)
    return outputs


def gradcam(model, base_name, layer_name, x):
    """The book's Grad-CAM of the top class at `base_name/layer_name` of a Sequential whose base is a
    chain of layers: mean over channels of A * mean_{h,w}(dScore/dA), ReLU, divided by the maximum."""
    base = model.get_layer(base_name)
    target = base.get_layer(layer_name)
    to_target = keras3.Model(base.inputs, target.output)
    after = base.layers[base.layers.index(target) + 1:] + model.layers[model.layers.index(base) + 1:]
    with tf.GradientTape() as tape:
        activation = to_target(tf.constant(x), training=False)
        tape.watch(activation)
        y = activation
        for layer in after:
            y = layer(y, training=False)
        top = int(np.argmax(np.asarray(y)[0]))
        score = y[:, top]
    g = np.asarray(tape.gradient(score, activation), dtype=np.float64)[0]
    a = np.asarray(activation, dtype=np.float64)[0]
    cam = np.maximum((a * g.mean(axis=(0, 1))).mean(axis=2), 0)
    return (cam / cam.max()).astype(np.float32), top


# --------------------------------------------------------------------------
# Fixture families

def nested_family(arch, build, in_shape):
    rng = np.random.default_rng([SEED, len(arch)])
    x = rng.uniform(0.0, 1.0, size=(1,) + in_shape).astype(np.float32)
    tf_keras.backend.clear_session()
    k2 = build(tf_keras)
    random_weights(k2, rng)
    keras3.backend.clear_session()
    k3 = build(keras3)
    k3.set_weights(k2.get_weights())
    first = save_and_reference(f"{arch}_k2", tf_keras, k2, "model.h5", "tf-keras", x)
    save_and_reference(f"{arch}_k2_keras", tf_keras, k2, "model.keras", "tf-keras", x, check=first)
    save_and_reference(f"{arch}_k3", keras3, k3, "model.h5", "keras3", x, check=first)
    extra = None
    if arch == "nested_sequential":
        cam, top = gradcam(k3, "conv_base", "block2_conv2", x)
        extra = {"gradcam": {"layer": "conv_base/block2_conv2", "class": top, "file": "gradcam.npy"}}
        np.save(os.path.join(fresh(f"{arch}_k3_keras"), "gradcam.npy"), cam)
        path = os.path.join(OUT, f"{arch}_k3_keras", "model.keras")
        k3.save(path)
        loaded = keras3.models.load_model(path, compile=False)
        outputs = layer_outputs(loaded, tf.constant(x))
        write_reference(f"{arch}_k3_keras", "model.keras", "keras3", x, outputs, input_gradient(loaded, x), extra)
    else:
        save_and_reference(f"{arch}_k3_keras", keras3, k3, "model.keras", "keras3", x, check=first)


def chunked_family():
    rng = np.random.default_rng([SEED, 7])
    x = rng.uniform(-1.0, 1.0, size=(1, 6, 6, 2)).astype(np.float32)
    tf_keras.backend.clear_session()
    model = chunked_names(tf_keras)
    random_weights(model, rng)
    save_and_reference("chunked_names_k2", tf_keras, model, "model.h5", "tf-keras", x)
    with h5py.File(os.path.join(OUT, "chunked_names_k2", "model.h5"), "r") as f:
        assert "layer_names0" in f["model_weights"].attrs and "layer_names" not in f["model_weights"].attrs
        assert "weight_names0" in f["model_weights/base"].attrs


def numpy_channels_first(weights, x_nchw):
    """The channels_first model's forward pass in NCHW with numpy: the independent check."""
    def conv_same(x, k, b):          # k: (kh, kw, in, out), stride 1, odd kernel
        ph, pw = k.shape[0] // 2, k.shape[1] // 2
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        n, _, h, w = x.shape
        out = np.zeros((n, k.shape[3], h, w))
        for i in range(k.shape[0]):
            for j in range(k.shape[1]):
                out += np.einsum("nchw,co->nohw", xp[:, :, i:i + h, j:j + w], k[i, j])
        return out + b[None, :, None, None]

    def max_pool(x):
        n, c, h, w = x.shape
        return x[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))

    def avg_pool_same(x):            # 2x2, stride 2, padding excluded from the mean
        n, c, h, w = x.shape
        xp = np.pad(x, ((0, 0), (0, 0), (0, h % 2), (0, w % 2)), constant_values=np.nan)
        return np.nanmean(xp.reshape(n, c, (h + 1) // 2, 2, (w + 1) // 2, 2), axis=(3, 5))

    x1 = np.maximum(conv_same(x_nchw, *weights["conv1"]), 0)
    c = np.concatenate([x1, conv_same(x1, *weights["conv2"])], axis=1)
    q = avg_pool_same(max_pool(c))
    f1 = q.reshape(len(q), -1)
    f2 = q.transpose(0, 2, 3, 1).reshape(len(q), -1)
    s = f1 @ weights["head_a"][0] + weights["head_a"][1] + f2 @ weights["head_b"][0] + weights["head_b"][1]
    z = np.tanh(s) @ weights["predictions"][0] + weights["predictions"][1]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def channels_first_family():
    rng = np.random.default_rng([SEED, 11])
    x = rng.uniform(0.0, 1.0, size=(2, 12, 10, 3)).astype(np.float32)     # what vizrun is fed
    tf_keras.backend.clear_session()
    k2 = channels_first(tf_keras)
    random_weights(k2, rng)
    weights = {l.name: l.get_weights() for l in k2.layers if l.get_weights()}
    keras3.backend.clear_session()
    k3 = channels_first(keras3)
    k3.set_weights(k2.get_weights())
    twin = channels_first(keras3, "channels_last")
    for layer in twin.layers:
        if layer.name in weights:
            values = list(weights[layer.name])
            if layer.name == "head_a":       # after the (C,H,W)-order Flatten
                values[0] = chw_rows_to_hwc(values[0], 10, 3, 3)
            layer.set_weights(values)
    outputs = layer_outputs(twin, tf.constant(x))
    grad = input_gradient(twin, x)
    expected = numpy_channels_first(weights, x.transpose(0, 3, 1, 2).astype(np.float64))
    assert np.max(np.abs(outputs[-1][2] - expected)) < 1e-5, np.max(np.abs(outputs[-1][2] - expected))
    note = {"channels_first": "outputs as vizrun shows them: 4-D activations (N,H,W,C) = Keras's transposed "
                              "(0,2,3,1); a Flatten of channels_first data in (H,W,C) order; computed by the "
                              "channels_last twin and checked against numpy in NCHW"}
    for tag, model, writer in (("k2", k2, "tf-keras"), ("k3", k3, "keras3")):
        name = f"channels_first_{tag}"
        model.save(os.path.join(fresh(name), "model.h5"))
        write_reference(name, "model.h5", writer, x, outputs, grad, note)


# --------------------------------------------------------------------------
# Keras 1.2 files, by hand

def keras1_conv(name, filters, size, activation, border_mode, ordering, subsample=(1, 1), input_shape=None):
    config = {"name": name, "trainable": True, "nb_filter": filters, "nb_row": size, "nb_col": size,
              "init": "glorot_uniform", "activation": activation, "border_mode": border_mode,
              "subsample": list(subsample), "dim_ordering": ordering, "W_regularizer": None,
              "b_regularizer": None, "activity_regularizer": None, "W_constraint": None,
              "b_constraint": None, "bias": True}
    if input_shape:
        config.update({"batch_input_shape": [None] + list(input_shape), "input_dtype": "float32"})
    return {"class_name": "Convolution2D", "config": config}


def keras1_dense(name, units, activation):
    return {"class_name": "Dense", "config": {
        "name": name, "trainable": True, "output_dim": units, "init": "glorot_uniform",
        "activation": activation, "W_regularizer": None, "b_regularizer": None, "activity_regularizer": None,
        "W_constraint": None, "b_constraint": None, "bias": True, "input_dim": None}}


def keras1_pool(name, ordering, border_mode="valid"):
    return {"class_name": "MaxPooling2D", "config": {
        "name": name, "trainable": True, "pool_size": [2, 2], "strides": [2, 2],
        "border_mode": border_mode, "dim_ordering": ordering}}


def write_keras1(path, config, weights, tf_names):
    """Keras 1.2's save_model: keras_version and model_config on the root, then
    save_weights_to_hdf5_group into /model_weights (`weights`: layer -> [(suffix, array)])."""
    layers = config["config"] if isinstance(config["config"], list) else config["config"]["layers"]
    names = [layer["config"]["name"] for layer in layers]
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"1.2.2"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [n.encode("utf8") for n in names]
        for layer in names:
            g = group.create_group(layer)
            stored = [(f"{layer}_{suffix}" + (":0" if tf_names else ""), value)
                      for suffix, value in weights.get(layer, [])]
            g.attrs["weight_names"] = [n.encode("utf8") for n, _ in stored] if stored else np.asarray([])
            for n, value in stored:
                g.create_dataset(n, data=value.astype(np.float32))


def keras1_family():
    rng = np.random.default_rng([SEED, 13])

    # Sequential, "tf" ordering, TensorFlow-backend weight names.
    L = keras3.layers
    keras3.backend.clear_session()
    twin = keras3.Sequential([
        keras3.Input(shape=(14, 14, 3), name="convolution2d_1_input"),
        L.Conv2D(6, 3, activation="relu", name="convolution2d_1"),
        L.MaxPooling2D(2, name="maxpooling2d_1"),
        L.Conv2D(8, 3, strides=2, padding="same", activation="tanh", name="convolution2d_2"),
        L.Flatten(name="flatten_1"),
        L.Dropout(0.5, name="dropout_1"),
        L.Dense(4, activation="softmax", name="dense_1"),
    ])
    random_weights(twin, rng)
    config = {"class_name": "Sequential", "config": [
        keras1_conv("convolution2d_1", 6, 3, "relu", "valid", "tf", input_shape=(14, 14, 3)),
        keras1_pool("maxpooling2d_1", "tf"),
        keras1_conv("convolution2d_2", 8, 3, "tanh", "same", "tf", subsample=(2, 2)),
        {"class_name": "Flatten", "config": {"name": "flatten_1", "trainable": True}},
        {"class_name": "Dropout", "config": {"name": "dropout_1", "trainable": True, "p": 0.5}},
        keras1_dense("dense_1", 4, "softmax"),
    ]}
    weights = {l.name: list(zip(["W", "b"], l.get_weights())) for l in twin.layers if l.get_weights()}
    x = rng.uniform(0.0, 1.0, size=(2, 14, 14, 3)).astype(np.float32)
    write_keras1(os.path.join(fresh("keras1_sequential"), "model.h5"), config, weights, tf_names=True)
    write_reference("keras1_sequential", "model.h5", "hand-written Keras 1.2.2 layout", x,
                    layer_outputs(twin, tf.constant(x)), input_gradient(twin, x))

    # Functional ("Model"), "th" ordering, Theano weight names, a concat Merge.
    keras3.backend.clear_session()
    inp = keras3.Input(shape=(10, 8, 3), name="input_1")
    a = L.Conv2D(4, 3, padding="same", activation="relu", name="convolution2d_1")(inp)
    b = L.Conv2D(3, 1, activation="sigmoid", name="convolution2d_2")(a)
    m = L.Concatenate(name="merge_1")([a, b])                               # 10x8x7
    p = L.MaxPooling2D(2, name="maxpooling2d_1")(m)                         # 5x4x7
    f = L.Flatten(name="flatten_1")(p)                                      # Keras 1 "th": (C,H,W) order
    out = L.Dense(3, activation="softmax", name="dense_1")(f)
    twin = keras3.Model(inp, out)
    random_weights(twin, rng)

    def node(*names):
        return [[[n, 0, 0] for n in names]]

    def entry(layer, inbound):
        return {"name": layer["config"]["name"], "class_name": layer["class_name"], "config": layer["config"],
                "inbound_nodes": inbound}

    merge = {"class_name": "Merge", "config": {
        "name": "merge_1", "mode": "concat", "concat_axis": 1, "dot_axes": -1, "output_shape": None,
        "output_shape_type": "raw", "output_mask": None, "output_mask_type": "raw", "arguments": {},
        "mode_type": "raw"}}
    config = {"class_name": "Model", "config": {"name": "model_1", "layers": [
        entry({"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3, 10, 8], "input_dtype": "float32",
                                                       "sparse": False, "name": "input_1"}}, []),
        entry(keras1_conv("convolution2d_1", 4, 3, "relu", "same", "th"), node("input_1")),
        entry(keras1_conv("convolution2d_2", 3, 1, "sigmoid", "valid", "th"), node("convolution2d_1")),
        entry(merge, node("convolution2d_1", "convolution2d_2")),
        entry(keras1_pool("maxpooling2d_1", "th"), node("merge_1")),
        entry({"class_name": "Flatten", "config": {"name": "flatten_1", "trainable": True}}, node("maxpooling2d_1")),
        entry(keras1_dense("dense_1", 3, "softmax"), node("flatten_1")),
    ], "input_layers": [["input_1", 0, 0]], "output_layers": [["dense_1", 0, 0]]}}
    weights = {}
    for layer in twin.layers:
        values = layer.get_weights()
        if not values:
            continue
        kernel, bias = values
        if kernel.ndim == 4:
            kernel = kernel.transpose(3, 2, 0, 1)            # "th": (out, in, rows, cols)
        else:
            # The twin flattens (H,W,C); Keras 1 "th" flattened (C,H,W): store rows in that order.
            kernel = kernel.reshape(5, 4, 7, -1).transpose(2, 0, 1, 3).reshape(140, -1)
        weights[layer.name] = [("W", kernel), ("b", bias)]
    x = rng.uniform(0.0, 1.0, size=(2, 10, 8, 3)).astype(np.float32)
    write_keras1(os.path.join(fresh("keras1_functional_th"), "model.h5"), config, weights, tf_names=False)
    outputs = layer_outputs(twin, tf.constant(x))
    # Keras 1 computed with dim_ordering "th": check the twin's prediction in NCHW with numpy.
    w = {layer: dict(values) for layer, values in weights.items()}
    xc = x.transpose(0, 3, 1, 2).astype(np.float64)
    k1 = w["convolution2d_1"]["W"].astype(np.float64)
    a_ = np.zeros((2, 4, 10, 8))
    xp = np.pad(xc, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for i in range(3):
        for j in range(3):
            a_ += np.einsum("nchw,oc->nohw", xp[:, :, i:i + 10, j:j + 8], k1[:, :, i, j])
    a_ = np.maximum(a_ + w["convolution2d_1"]["b"][None, :, None, None], 0)
    b_ = np.einsum("nchw,oc->nohw", a_, w["convolution2d_2"]["W"][:, :, 0, 0])
    b_ = 1 / (1 + np.exp(-(b_ + w["convolution2d_2"]["b"][None, :, None, None])))
    m_ = np.concatenate([a_, b_], axis=1).reshape(2, 7, 5, 2, 4, 2).max(axis=(3, 5))
    z = m_.reshape(2, -1) @ w["dense_1"]["W"] + w["dense_1"]["b"]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    assert np.max(np.abs(outputs[-1][2] - e / e.sum(axis=1, keepdims=True))) < 1e-5
    write_reference("keras1_functional_th", "model.h5", "hand-written Keras 1.2.2 layout", x, outputs,
                    input_gradient(twin, x),
                    {"channels_first": "dim_ordering th: outputs as vizrun shows them, see make_format_fixtures.py"})


FAMILIES = {
    "nested": lambda: (nested_family("nested_sequential", nested_sequential, (20, 20, 3)),
                       nested_family("nested_functional", nested_functional, (12, 12, 3))),
    "chunked": chunked_family,
    "channels_first": channels_first_family,
    "keras1": keras1_family,
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for family in sys.argv[1:] or FAMILIES:
        FAMILIES[family]()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"total size of {os.path.relpath(OUT, ROOT)}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
