#!/usr/bin/env python3
"""Write the Keras Applications fixtures into Tests/Fixtures/applications/ (issue 4, "Correctness").

Tooling only: vizrun never runs Python. Every architecture of keras.applications
that vizrun's layers cover is built with random weights (weights=None) at a
reduced input size (the smallest its constructor accepts) and alpha, saved,
reloaded, and run by Keras/TensorFlow on a fixed input:

    Tests/Fixtures/applications/<arch>_<format>/
        model.h5 | model.keras   the file under test (only if small enough, see below)
        input.npy                float32 (1,H,W,3)
        outputs/NNN_<layer>.npy  a sample of layers: the first, the middle and the
                                 last of model.layers, and every Add, Concatenate
                                 and Multiply (NNN = 1-based index in model.layers,
                                 inputs left out)
        grad_input.npy           d(output[0, 0]) / d input
        reference.json           index of the above; `"sampled": true` tells the
                                 Swift tests the layers are a sample of model.layers

Formats: `k3` Keras 3.15 legacy .h5, `k3_keras` Keras 3.15 .keras, `k2` tf-keras
2.21 legacy .h5 (where tf_keras.applications has the class).

Weights are random (fixed numpy seed), drawn so that every role matters:
kernels uniform with variance 1/fan_in (so activations keep their scale through
fifty layers), biases and betas uniform(-0.5, 0.5), gammas (BatchNormalization,
LayerNormalization, ConvNeXt's LayerScale) uniform(0.5, 1.5), moving means
uniform(-0.5, 0.5) and moving variances uniform(0.3, 2): a wrong epsilon, a
swapped mean and variance or weights taken in the wrong order shows.

The input is redrawn until its gradient has no jump within float32 noise of it
(see stable_input): on a ReLU kink the reference would be arbitrary.
Keras 3.15 cannot reload its own .h5 of MobileNetV3 and ConvNeXt (operations in
the config); their references come from the saved model in memory, which
reference.json records under `reference_from`.

Only the models of COMMITTED_MODELS are small enough to commit; the others are
deleted after their references are written, and listed in the folder's
.gitignore; `--keep-large` keeps them, so that the Swift tests that need them
run instead of being skipped. `<arch>_k3_keras` holds the same model as
`<arch>_k3`, whose answers it must equal exactly: its reference.json points at
`../<arch>_k3/` instead of repeating them.

Usage:  python3 Scripts/make_application_fixtures.py [--keep-large] [ARCH ...]
"""

import os

from fixture_support import ROOT, dump_reference, file_keras_version, input_gradient, is_input_layer, safe  # before TensorFlow: it fixes threads and seeds

import shutil
import sys

import numpy as np
import tensorflow as tf
import tf_keras
import keras as keras3


OUT = os.path.join(ROOT, "Tests", "Fixtures", "applications")
SEED = 20251130
# The architectures whose model files are committed (1–3 MB each); the others' are 2–112 MB and
# would take the fixtures past their size budget.
COMMITTED_MODELS = ("mobilenet", "mobilenetv3small", "convnextminiature")
MERGE_CLASSES = ("Add", "Concatenate", "Multiply")

# --------------------------------------------------------------------------
# Architectures: constructor name, keyword arguments, input size, input range.
# Models with built-in preprocessing (Rescaling/Normalization) take pixels in 0..255;
# the others take what their preprocess_input gives, about -1..1 (or -128..128 for caffe).

PIXELS = (0.0, 255.0)
CENTERED = (-1.0, 1.0)
CAFFE = (-120.0, 130.0)
# The logits, not softmax probabilities: random weights saturate a softmax, and its gradient vanishes.
SMALL_TOP = dict(include_top=True, classes=5, classifier_activation=None, weights=None)
# MobileNetV3's top is a 1x1 convolution to 1024 channels, which alone would make the file too large to commit.
POOLED = dict(include_top=False, pooling="avg", weights=None)

ARCHITECTURES = {
    "vgg16": ("VGG16", dict(include_top=False, pooling="max", weights=None), 32, CAFFE),
    "resnet50": ("ResNet50", SMALL_TOP, 32, CAFFE),
    "resnet50v2": ("ResNet50V2", SMALL_TOP, 32, CENTERED),
    "mobilenet": ("MobileNet", dict(SMALL_TOP, alpha=0.25), 32, CENTERED),
    "mobilenetv2": ("MobileNetV2", dict(SMALL_TOP, alpha=0.35), 32, CENTERED),
    "mobilenetv3small": ("MobileNetV3Small", dict(POOLED, alpha=0.75), 32, PIXELS),
    # Not MobileNetV3Large: at 32 px none of ten random inputs had a gradient stable under a nudge.
    "xception": ("Xception", SMALL_TOP, 71, CENTERED),
    "inceptionv3": ("InceptionV3", SMALL_TOP, 75, CENTERED),
    "densenet121": ("DenseNet121", SMALL_TOP, 32, CENTERED),
    "efficientnetb0": ("EfficientNetB0", SMALL_TOP, 32, PIXELS),
    "efficientnetv2b0": ("EfficientNetV2B0", SMALL_TOP, 32, PIXELS),
    "convnexttiny": ("ConvNeXtTiny", SMALL_TOP, 32, PIXELS),
    "convnextminiature": ("ConvNeXtMiniature", SMALL_TOP, 32, PIXELS),
}


def convnext_miniature(K):
    """ConvNeXt's own code (stem, blocks with grouped convolution, LayerNormalization, Dense on
    4-D tensors, LayerScale and the residual add; downsampling) with one block per stage and 8–32
    channels: every ConvNeXt layer type in a file small enough to commit."""
    if K is keras3:
        from keras.src.applications.convnext import ConvNeXt
        name = {"name": "convnext_miniature"}
    else:
        from tf_keras.src.applications.convnext import ConvNeXt
        name = {"model_name": "convnext_miniature"}
    return lambda **kwargs: ConvNeXt(depths=[1, 1, 1, 1], projection_dims=[8, 16, 24, 32], **name, **kwargs)


# Architectures built by an application's own code at a size keras.applications does not offer.
MINIATURES = {"ConvNeXtMiniature": convnext_miniature}


def constructor_of(K, constructor):
    """The function that builds `constructor` in Keras `K`, or None where K has no such class."""
    if constructor in MINIATURES:
        return MINIATURES[constructor](K)
    return getattr(K.applications, constructor, None)


def build(K, constructor, kwargs, size):
    K.backend.clear_session()
    return constructor_of(K, constructor)(input_shape=(size, size, 3), **kwargs)


def custom_objects(K):
    """ConvNeXt's LayerScale is a class of the application module, not a Keras layer."""
    if K is keras3:
        from keras.src.applications.convnext import LayerScale
    else:
        from tf_keras.src.applications.convnext import LayerScale
    return {"LayerScale": LayerScale}


# --------------------------------------------------------------------------
# Weights

def randomize(model, rng):
    for layer in model.layers:
        cls = type(layer).__name__
        values = []
        for w in layer.weights:
            shape = tuple(w.shape)
            role = w.name.split("/")[-1].split(":")[0]
            if cls == "LayerScale" or role == "gamma":
                v = rng.uniform(0.5, 1.5, size=shape)
            elif role in ("bias", "beta", "moving_mean", "mean"):
                v = rng.uniform(-0.5, 0.5, size=shape)
            elif role in ("moving_variance", "variance"):
                v = rng.uniform(0.3, 2.0, size=shape)
            elif role == "count":
                v = np.full(shape, 10)
            else:
                # A depthwise kernel (kh, kw, C, M) sums kh*kw inputs per output; the others all but the last axis.
                depthwise = cls == "DepthwiseConv2D" or role == "depthwise_kernel"
                fan_in = int(np.prod(shape[:2])) if depthwise else int(np.prod(shape[:-1]))
                lim = np.sqrt(3.0 / fan_in)
                v = rng.uniform(-lim, lim, size=shape)
            values.append(np.asarray(v).astype(w.dtype if isinstance(w.dtype, str) else w.dtype.name))
        if values:
            layer.set_weights(values)
        if cls == "Normalization":
            layer.finalize_state()      # recompute the broadcast mean and variance from the new weights


# --------------------------------------------------------------------------
# References

def sampled_layers(model):
    """(1-based index among the non-input layers, layer): first, middle, last and every merge."""
    layers = [l for l in model.layers if not is_input_layer(l)]
    picked = {0, len(layers) // 2, len(layers) - 1}
    picked |= {i for i, l in enumerate(layers) if type(l).__name__ in MERGE_CLASSES}
    return [(i + 1, layers[i]) for i in sorted(picked)]


def stable_input(model, rng, shape, low, high, attempts=10):
    """An input whose gradient has no jump within float32 noise of it. A ReLU input or a max-pool
    tie within rounding of zero is a kink where Keras and vizrun may rightly take different sides,
    and the gradient there is no reference. The second difference g(x+d) + g(x-d) - 2 g(x) is about
    zero where the gradient is smooth (whatever its curvature) and the size of the jump at a kink."""
    for _ in range(attempts):
        x = rng.uniform(low, high, size=shape).astype(np.float32)
        grad = input_gradient(model, x)
        size = 3e-6 * max(abs(low), abs(high))
        nudges = [rng.uniform(-size, size, size=shape).astype(np.float32) for _ in range(3)]
        jumps = [float(np.max(np.abs(input_gradient(model, x + d) + input_gradient(model, x - d) - 2 * grad)))
                 for d in nudges]
        if 0 < float(np.max(np.abs(grad))) and max(jumps) <= 1e-5 * float(np.max(np.abs(grad))):
            return x
    sys.exit(f"no input among {attempts} has a stable gradient")


def references(K, model, x):
    sample = sampled_layers(model)
    probe = K.Model(model.inputs, [l.output for _, l in sample])
    outs = probe(tf.constant(x), training=False)
    return [(i, l, np.asarray(o, dtype=np.float32)) for (i, l), o in zip(sample, outs)], input_gradient(model, x)


def write_fixture(name, K, model, file_name, writer, x, same_as=None):
    """Saves `model`, reloads it and writes what the reloaded model computes; returns the outputs,
    the gradient and the file. `same_as`: (fixture, outputs, gradient) of the same model saved in
    another format, which the answers must equal exactly; the reference then points at its files."""
    folder = os.path.join(OUT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    path = os.path.join(folder, file_name)
    model.save(path)
    note = {}
    try:
        loaded = K.models.load_model(path, compile=False, custom_objects=custom_objects(K))
    except (ValueError, TypeError) as error:
        # Keras 3 cannot reload an .h5 whose config records an operation with a constant, such as
        # MobileNetV3's `x + 3.0`; the file holds the weights and graph of the model in memory.
        loaded = model
        note = {"reference_from": f"the model in memory: Keras cannot reload the file ({str(error).splitlines()[0]})"}
    outputs, grad = references(K, loaded, x)
    in_memory, _ = references(K, model, x)
    for (_, layer, a), (_, _, b) in zip(outputs, in_memory):
        assert float(np.max(np.abs(a - b))) <= 1e-6 * max(1.0, float(np.max(np.abs(b)))), (name, layer.name)
    files = ""
    if same_as is not None:
        other, other_outputs, other_grad = same_as
        for (_, layer, a), (_, _, b) in zip(outputs, other_outputs):
            assert float(np.max(np.abs(a - b))) == 0.0, (name, layer.name)
        assert float(np.max(np.abs(grad - other_grad))) == 0.0, name
        files = f"../{other}/"
    else:
        os.makedirs(os.path.join(folder, "outputs"))
        np.save(os.path.join(folder, "input.npy"), x)
        np.save(os.path.join(folder, "grad_input.npy"), grad)
    entries = []
    for index, layer, value in outputs:
        rel = f"outputs/{index:03d}_{safe(layer.name)[:40]}.npy"
        if same_as is None:
            np.save(os.path.join(folder, rel), value)
        entries.append({"name": layer.name, "class": type(layer).__name__, "output": files + rel,
                        "shape": list(value.shape)})
    ref = {"keras_version": file_keras_version(path), "writer": writer, "model": file_name, "input": files + "input.npy",
           "gradient": {"output_index": 0, "file": files + "grad_input.npy"}, "sampled": True,
           "layer_count": len([l for l in loaded.layers if not is_input_layer(l)]), **note, "layers": entries}
    with open(os.path.join(folder, "reference.json"), "w") as f:
        f.write(dump_reference(ref))
    megabytes = os.path.getsize(path) / 1e6
    print(f"{name}: {ref['layer_count']} layers, {len(entries)} compared, keras {ref['keras_version']}, "
          f"{megabytes:.1f} MB, largest |output| {float(np.max(np.abs(outputs[-1][2]))):.3g}, "
          f"largest |gradient| {float(np.max(np.abs(grad))):.3g}")
    return outputs, grad, path


def make_architecture(arch, keep_large):
    constructor, kwargs, size, (low, high) = ARCHITECTURES[arch]
    rng = np.random.default_rng([SEED, sum(map(ord, arch))])
    shape = (1, size, size, 3)
    written = []
    k3 = build(keras3, constructor, kwargs, size)
    randomize(k3, rng)
    x = stable_input(k3, rng, shape, low, high)
    outputs, grad, path = write_fixture(f"{arch}_k3", keras3, k3, "model.h5", "keras3", x)
    written.append(path)
    written.append(write_fixture(f"{arch}_k3_keras", keras3, k3, "model.keras", "keras3", x,
                                 same_as=(f"{arch}_k3", outputs, grad))[2])
    if constructor_of(tf_keras, constructor) is not None:
        k2 = build(tf_keras, constructor, kwargs, size)
        randomize(k2, rng)
        x = stable_input(k2, rng, shape, low, high)
        written.append(write_fixture(f"{arch}_k2", tf_keras, k2, "model.h5", "tf-keras", x)[2])
    large = [] if arch in COMMITTED_MODELS else written
    if not keep_large:
        for path in large:
            os.remove(path)
    return [os.path.relpath(p, OUT) for p in large]


def main():
    args = sys.argv[1:]
    keep_large = "--keep-large" in args
    archs = [a for a in args if a != "--keep-large"] or list(ARCHITECTURES)
    unknown = [a for a in archs if a not in ARCHITECTURES]
    if unknown:
        sys.exit(f"unknown architectures {unknown}; known: {', '.join(ARCHITECTURES)}")
    os.makedirs(OUT, exist_ok=True)
    ignore_path = os.path.join(OUT, ".gitignore")
    header = "# Written by Scripts/make_application_fixtures.py: models too large to commit (rebuild with --keep-large).\n"
    ignored = set()
    if os.path.exists(ignore_path):
        ignored = {line.strip() for line in open(ignore_path) if line.strip() and not line.startswith("#")}
    for arch in archs:
        ignored = {p for p in ignored if not p.startswith(f"{arch}_")}
        ignored |= set(make_architecture(arch, keep_large))
    with open(ignore_path, "w") as f:
        f.write(header + "".join(f"{p}\n" for p in sorted(ignored)))
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs
                if os.path.relpath(os.path.join(d, f), OUT) not in ignored)
    print(f"committed size of {os.path.relpath(OUT, ROOT)}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
