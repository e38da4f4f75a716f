#!/usr/bin/env python3
"""Write the references of vizrun's methods on exported models into Tests/Fixtures/onnx_methods/.

Tooling only: vizrun never runs Python. Each family is a small torchvision network (the classes'
own module structure and names, reduced widths, seeded random weights and randomised BatchNorm
statistics, and the export, from Scripts/make_onnx_fixtures.py: of the dynamo exporter's node
metadata only the name scopes are kept), exported by both of PyTorch's exporters, with what
PyTorch and pytorch-grad-cam compute for one input and one gradient-ascent start:

    Tests/Fixtures/onnx_methods/<family>/
        ts/model.onnx                 the TorchScript exporter (dynamo=False)
        dynamo/model.onnx(.data)      the dynamo exporter, weights as external data
        input.npy                     the input, (1, H, W, C) as vizrun holds it
        gradcam_layer.npy             Grad-CAM at the layer's resolution, (h, w), as vizrun's heatmap
                                      array is defined (DLwP 5.4.3: relu, then / max), from
                                      pytorch-grad-cam's GradCAM for the top class (its cam before
                                      its scaling)
        gradcam_input.npy             pytorch-grad-cam's own result, (H, W): min-max scaled, resized
                                      to the input with cv2.resize, min-max scaled again
        gradcam_resized.npy           gradcam_layer resized to the input with cv2.resize (bilinear),
                                      what vizrun colours for its heatmap and overlay images
        saliency.npy                  vanilla saliency, (H, W): max over channels of
                                      |d output[top] / d input| (PyTorch autograd)
        start.npy                     a gradient-ascent start, (H, W, C), uniform 128..148 (the book's)
        ascent_step.npy               the start after one step of the book's normalised ascent
                                      (DLwP 5.4.2) on mean(layer output[filter]): g = d loss / d x,
                                      x + g / (sqrt(mean(g^2)) + 1e-5)
        reference.json                the layer (a PyTorch module path), the top class, the filter

Families (input sizes not square, so that a height/width mix-up shows)
    resnet18      torchvision ResNet, BasicBlock [2, 2, 2, 2], widths 4..32, 112x80, layer4 (4x3)
    mobilenetv2   torchvision MobileNetV2, width_mult 0.25, the full inverted-residual setting (so
                  that features.18 is the last 1x1 conv, Conv-BN-ReLU6), 64 channels there, 80x112,
                  features.18 (3x4)

Usage:  pip install grad-cam && python3 Scripts/make_onnx_method_fixtures.py
"""

import json
import os
import shutil
import sys
import warnings

import cv2
import numpy as np
import onnxruntime as ort
import torch
import torch.nn as nn
from pytorch_grad_cam import GradCAM
from torchvision.models.mobilenetv2 import MobileNetV2
from torchvision.models.resnet import BasicBlock
from torchvision.ops.misc import Conv2dNormActivation

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_onnx_fixtures import SEED, channels_last, export, randomise  # noqa: E402
from onnx_fixture_models import SmallResNet  # noqa: E402

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "onnx_methods")


def mobilenet_v2():
    """torchvision's MobileNetV2 at width 0.25, every stage kept, a 64-channel last conv, 10 classes."""
    model = MobileNetV2(num_classes=10, width_mult=0.25)
    model.features[-1] = Conv2dNormActivation(model.features[-1][0].in_channels, 64, kernel_size=1,
                                              activation_layer=nn.ReLU6)
    model.classifier[1] = nn.Linear(64, 10)
    return model


def grad_cam(model, layer, x):
    """pytorch-grad-cam's GradCAM for the top class: its result, and its cam before scaling (relu'd)."""
    cam = GradCAM(model=model, target_layers=[model.get_submodule(layer)])
    result = cam(input_tensor=x, targets=None)[0]
    activations = cam.activations_and_grads.activations[0].numpy()
    gradients = cam.activations_and_grads.gradients[0].numpy()
    raw = np.maximum(cam.get_cam_image(x, layer, None, activations, gradients)[0], 0)
    # The same from autograd and the book's formula, so that the two references vouch for each other.
    book = np.maximum((activations[0] * gradients[0].mean(axis=(1, 2))[:, None, None]).mean(axis=0), 0)
    assert np.allclose(raw / raw.max(), book / book.max(), atol=1e-6), layer
    return result, raw


def saliency(model, x):
    """The top class and max over channels of |d output[top] / d input|, (H, W)."""
    x = x.clone().requires_grad_(True)
    output = model(x)[0]
    top = int(output.argmax())
    output[top].backward()
    return top, x.grad[0].abs().amax(dim=0).numpy()


def ascent_step(model, layer, start, filter_index):
    """One step of DLwP 5.4.2's ascent on mean(layer output[filter]) from `start` (1, C, H, W)."""
    captured = {}
    handle = model.get_submodule(layer).register_forward_hook(lambda m, i, o: captured.update(value=o))
    x = start.clone().requires_grad_(True)
    model(x)
    handle.remove()
    captured["value"][0, filter_index].mean().backward()
    gradient = x.grad.double()
    gradient = gradient / (gradient.pow(2).mean().sqrt() + 1e-5)
    return (start.double() + gradient).float()


def partly_active_filter(model, layer, start):
    """The first channel of the layer whose activation's gradient is neither everywhere nor nowhere
    zero at `start`: its relu (or relu6) mask then shapes the step."""
    captured = {}
    handle = model.get_submodule(layer).register_forward_hook(lambda m, i, o: captured.update(value=o))
    x = start.clone().requires_grad_(True)
    model(x)
    handle.remove()
    value = captured["value"][0]
    top = 6 if isinstance(model.get_submodule(layer)[-1], nn.ReLU6) else float("inf")
    active = ((value > 0) & (value < top)).float().mean(dim=(1, 2))
    return int(next(i for i, fraction in enumerate(active) if 0.2 <= fraction <= 0.8))


def check_export(path, model, x):
    """onnxruntime's output of the exported file equals PyTorch's, so a reference fits its model."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    ours = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
    theirs = model(x).detach().numpy()
    assert np.abs(ours - theirs).max() <= 1e-4 * np.abs(theirs).max(), path


def write_family(name, model, layer, height, width):
    folder = os.path.join(OUT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    model = randomise(model)
    x = torch.rand(1, 3, height, width, generator=torch.Generator().manual_seed(SEED)) * 2 - 1
    for exporter in ("ts", "dynamo"):
        os.makedirs(os.path.join(folder, exporter))
        check_export(export(model, x, os.path.join(folder, exporter), dynamo=exporter == "dynamo"), model, x)

    top, saliency_map = saliency(model, x)
    result, raw = grad_cam(model, layer, x)
    assert raw.max() > 0, f"{name}: the Grad-CAM of class {top} is all zero; pick another seed"
    heatmap = (raw / raw.max()).astype(np.float32)
    start = torch.from_numpy(np.random.default_rng(SEED).uniform(128, 148, (1, 3, height, width)).astype(np.float32))
    filter_index = partly_active_filter(model, layer, start)
    step = ascent_step(model, layer, start, filter_index)

    arrays = {
        "input.npy": channels_last(x.numpy()),
        "gradcam_layer.npy": heatmap,
        "gradcam_input.npy": result.astype(np.float32),
        "gradcam_resized.npy": cv2.resize(heatmap, (width, height), interpolation=cv2.INTER_LINEAR),
        "saliency.npy": saliency_map.astype(np.float32),
        "start.npy": channels_last(start.numpy())[0],
        "ascent_step.npy": channels_last(step.numpy())[0],
    }
    for file, array in arrays.items():
        np.save(os.path.join(folder, file), np.ascontiguousarray(array, dtype=np.float32))
    reference = {"layer": layer, "class": top, "filter": filter_index, "models": ["ts/model.onnx", "dynamo/model.onnx"],
                 "input": [height, width], "torch": torch.__version__, "grad-cam": grad_cam_version()}
    with open(os.path.join(folder, "reference.json"), "w") as handle:
        json.dump(reference, handle, indent=1)
    size_kb = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(folder) for f in fs) / 1024
    print(f"{name}: {layer} {heatmap.shape[0]}x{heatmap.shape[1]}, class {top}, filter {filter_index}, {size_kb:.0f} KB")


def grad_cam_version():
    from importlib.metadata import version
    return version("grad-cam")


def main():
    torch.set_num_threads(1)  # one thread: rerunning gives identical files
    torch.manual_seed(SEED)
    write_family("resnet18", SmallResNet(BasicBlock, [2, 2, 2, 2]), "layer4", 112, 80)
    write_family("mobilenetv2", mobilenet_v2(), "features.18", 80, 112)


if __name__ == "__main__":
    main()
