#!/usr/bin/env python3
"""Writes Tests/Fixtures/raw: models for the `raw` loader and the answers to check it against.

pytorch/  A small PyTorch CNN (conv, BN, ReLU, max-pool, residual add, depthwise
          conv, flatten, linear) with a
          fixed seed: its state_dict as .safetensors, .npz, a folder of .npy and raw float32 .bin,
          the architecture files, PyTorch's output of every layer for a fixed input (in vizrun's
          NHWC layout), and a PyTorch autograd Grad-CAM heatmap at the last conv layer.
keras/    The weights of two Keras fixture models (Tests/Fixtures/models/k2_*/model.h5) exported
          in Keras layout, with architecture files, so the raw loader can be checked against the
          HDF5 loader on the same weights.
Also Configs/models/smallnet.{yaml,safetensors}: the PyTorch model for Configs/raw_pytorch.yaml,
its weights found beside the architecture.

Needs: pip install torch safetensors numpy h5py (tooling only; vizrun runs no Python).
Deterministic: a second run rewrites the same bytes.
"""
import json
import os
import shutil

import h5py
import numpy as np
import torch
import torch.nn as nn
from safetensors.numpy import save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures")
OUT = os.path.join(ROOT, "raw")


# MARK: - PyTorch model

class SmallNet(nn.Module):
    """16x16x3 in, 5 logits out. Conv padding 1 with kernel 3 and stride 1 equals Keras's 'same';
    `dw` is a depthwise convolution (groups = in channels) with channel multiplier 2."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 16, 3, padding=1, groups=8)
        self.conv3 = nn.Conv2d(16, 12, 3)
        self.fc = nn.Linear(12 * 6 * 6, 5)

    def forward(self, x):
        """Returns the logits and every layer's output, named as in the architecture file."""
        out = {}
        out["conv1"] = self.conv1(x)
        out["bn1"] = self.bn1(out["conv1"])
        out["relu1"] = torch.relu(out["bn1"])
        out["pool1"] = self.pool1(out["relu1"])
        out["conv2"] = self.conv2(out["pool1"])
        out["bn2"] = self.bn2(out["conv2"])
        out["relu2"] = torch.relu(out["bn2"])
        out["add"] = out["pool1"] + out["relu2"]
        out["dw"] = self.dw(out["add"])
        out["conv3"] = self.conv3(out["dw"])
        out["relu3"] = torch.relu(out["conv3"])
        out["flat"] = torch.flatten(out["relu3"], 1)
        out["fc"] = self.fc(out["flat"])
        return out


ARCHITECTURE = """\
# A PyTorch-trained CNN (Scripts/make_raw_fixtures.py, class SmallNet) for vizrun's raw loader.
input_shape: [16, 16, 3]
layout: pytorch
weights: {weights}
layers:
  - {{name: conv1, type: Conv2D, filters: 8, kernel_size: 3, padding: same}}
  - {{name: bn1, type: BatchNormalization, epsilon: 1.0e-5}}
  - {{name: relu1, type: ReLU}}
  - {{name: pool1, type: MaxPooling2D, pool_size: 2}}
  - {{name: conv2, type: Conv2D, filters: 8, kernel_size: 3, padding: same}}
  - {{name: bn2, type: BatchNormalization, epsilon: 1.0e-5}}
  - {{name: relu2, type: ReLU}}
  - {{name: add, type: Add, inputs: [pool1, relu2]}}
  - {{name: dw, type: DepthwiseConv2D, kernel_size: 3, depth_multiplier: 2, padding: same}}
  - {{name: conv3, type: Conv2D, filters: 12, kernel_size: 3}}
  - {{name: relu3, type: ReLU}}
  - {{name: flat, type: Flatten}}
  - {{name: fc, type: Dense, units: 5}}
"""

GRADCAM_CLASS = 2
GRADCAM_LAYER = "conv3"


def nhwc(tensor):
    """A PyTorch (N, C, H, W) value in vizrun's (N, H, W, C) layout; other ranks unchanged."""
    array = tensor.detach().numpy().astype(np.float32)
    return array.transpose(0, 2, 3, 1).copy() if array.ndim == 4 else array


def make_pytorch():
    folder = os.path.join(OUT, "pytorch")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "outputs"))
    torch.manual_seed(0)
    model = SmallNet()
    with torch.no_grad():
        # Trained-looking BatchNorm statistics, so the layer does more than pass values through.
        for bn in (model.bn1, model.bn2):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.num_batches_tracked.fill_(100)
    model.eval()
    state = {name: value.detach().numpy() for name, value in model.state_dict().items()}

    save_file(state, os.path.join(folder, "model.safetensors"))
    # Compressed (DEFLATE) here; the Keras-layout fixture's .npz is stored, so both ZIP methods are read.
    np.savez_compressed(os.path.join(folder, "model.npz"), **state)
    os.makedirs(os.path.join(folder, "npy"))
    for name, value in state.items():
        np.save(os.path.join(folder, "npy", name + ".npy"), value)
    floats = [(name, value) for name, value in state.items() if value.dtype == np.float32]
    with open(os.path.join(folder, "model.bin"), "wb") as stream:
        for _, value in floats:
            stream.write(value.astype("<f4").tobytes())

    with open(os.path.join(folder, "model.yaml"), "w") as stream:
        stream.write(ARCHITECTURE.format(weights="model.safetensors"))
    configs = os.path.join(ROOT, "..", "..", "Configs", "models")
    save_file(state, os.path.join(configs, "smallnet.safetensors"))
    with open(os.path.join(configs, "smallnet.yaml"), "w") as stream:
        stream.write(ARCHITECTURE.replace("weights: {weights}\n", "").format())
    with open(os.path.join(folder, "model_bin.yaml"), "w") as stream:
        stream.write(ARCHITECTURE.format(weights="model.bin"))
        stream.write("tensors:\n")
        for name, value in floats:
            stream.write(f"  - {{name: {name}, shape: {list(value.shape)}}}\n")

    generator = torch.Generator().manual_seed(1)
    x = torch.randn(1, 3, 16, 16, generator=generator)
    np.save(os.path.join(folder, "input.npy"), nhwc(x))
    outputs = model(x)
    layers = []
    for index, (name, value) in enumerate(outputs.items(), start=1):
        array = nhwc(value)
        if name == "flat":
            # vizrun flattens (H, W, C); the same values in that order.
            array = nhwc(outputs["relu3"]).reshape(1, -1)
        path = f"outputs/{index:02d}_{name}.npy"
        np.save(os.path.join(folder, path), array)
        layers.append({"name": name, "output": path, "shape": list(array.shape)})

    # Grad-CAM by autograd: channel weights = spatial mean of d logit[class] / d A, then
    # relu(sum_c w_c A_c) / max, at the conv layer's resolution.
    x.requires_grad_(False)
    outputs = model(x)
    activations = outputs[GRADCAM_LAYER]
    activations.retain_grad()
    outputs["fc"][0, GRADCAM_CLASS].backward()
    weights = activations.grad.mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((weights * activations).sum(dim=1))[0]
    cam = (cam / cam.max()).detach().numpy().astype(np.float32)
    np.save(os.path.join(folder, "gradcam.npy"), cam)

    reference = {
        "torch_version": torch.__version__,
        "architecture": "model.yaml",
        "input": "input.npy",
        "layers": layers,
        "gradcam": {"layer": GRADCAM_LAYER, "class": GRADCAM_CLASS, "score": "logit", "heatmap": "gradcam.npy"},
    }
    with open(os.path.join(folder, "reference.json"), "w") as stream:
        json.dump(reference, stream, indent=1)
        stream.write("\n")


# MARK: - Keras models in Keras layout

# The Keras config keys an architecture file carries over; the rest (initializers, dtype, …) do not
# affect inference.
OPTION_KEYS = ["filters", "kernel_size", "strides", "padding", "dilation_rate", "activation", "use_bias",
               "pool_size", "units", "axis", "rate"]
# Options left out when they hold Keras's default, to keep the files readable.
DEFAULTS = {"strides": [1, 1], "dilation_rate": [1, 1], "activation": "linear", "use_bias": True, "padding": "valid"}


def yaml_value(value):
    return json.dumps(value)


def make_keras(fixture, weights_format):
    """Exports `models/<fixture>/model.h5` as an architecture file and weights named `<layer>/<role>`."""
    folder = os.path.join(OUT, "keras")
    os.makedirs(folder, exist_ok=True)
    source = h5py.File(os.path.join(ROOT, "models", fixture, "model.h5"), "r")
    config = json.loads(source.attrs["model_config"])
    entries = config["config"]["layers"] if isinstance(config["config"], dict) else config["config"]
    lines = [f"# The layers and weights of Tests/Fixtures/models/{fixture}/model.h5 (Scripts/make_raw_fixtures.py).",
             None, "layout: keras", f"weights: {fixture}.{weights_format}", "layers:"]
    previous = input_name = "input"
    for entry in entries:
        options = entry["config"]
        if entry["class_name"] == "InputLayer":
            lines[1] = f"input_shape: {yaml_value(options['batch_input_shape'][1:])}"
            input_name = options["name"]
            continue
        if lines[1] is None:
            lines[1] = f"input_shape: {yaml_value(options['batch_input_shape'][1:])}"
        fields = [f"name: {options['name']}", f"type: {entry['class_name']}"]
        fields += [f"{key}: {yaml_value(options[key])}" for key in OPTION_KEYS
                   if key in options and DEFAULTS.get(key) != options[key]
                   and not (key == "strides" and options[key] == options.get("pool_size"))]
        nodes = entry.get("inbound_nodes") or [[]]
        inputs = ["input" if node[0] == input_name else node[0] for node in nodes[0]]
        if inputs and inputs != [previous]:
            fields.append(f"inputs: {yaml_value(inputs)}")
        lines.append("  - {" + ", ".join(fields) + "}")
        previous = options["name"]
    with open(os.path.join(folder, f"{fixture}.yaml"), "w") as stream:
        stream.write("\n".join(lines) + "\n")

    weights = {}
    group = source["model_weights"]
    for layer in group.attrs["layer_names"]:
        layer = layer.decode() if isinstance(layer, bytes) else layer
        names = group[layer].attrs.get("weight_names", [])
        for name in names:
            name = name.decode() if isinstance(name, bytes) else name
            role = name.split("/")[-1].split(":")[0]
            weights[f"{layer}/{role}"] = np.asarray(group[layer][name], dtype=np.float32)
    path = os.path.join(folder, f"{fixture}.{weights_format}")
    if weights_format == "safetensors":
        save_file(weights, path)
    else:
        np.savez(path, **weights)


if __name__ == "__main__":
    make_pytorch()
    shutil.rmtree(os.path.join(OUT, "keras"), ignore_errors=True)
    make_keras("k2_sequential", "safetensors")
    make_keras("k2_functional", "npz")
