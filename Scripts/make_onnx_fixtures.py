#!/usr/bin/env python3
"""Write vizrun's ONNX golden fixtures into Tests/Fixtures/onnx/.

Tooling only: vizrun never runs Python. Each fixture is a small torchvision-family network with
seeded random weights and randomised BatchNorm statistics (nothing is downloaded), exported by one
of PyTorch's two exporters, with what the references computed for one fixed input:

    Tests/Fixtures/onnx/<family>_<exporter>/
        model.onnx (+ model.onnx.data: the dynamo exporter's external data)
        input.npy            the input, (1, H, W, C) as vizrun holds it
        outputs/NNN.npy      onnxruntime's output of every node computed from the input, in ONNX's
                             axis order (the test knows which values vizrun holds as (H, W, C)
                             images); graph optimisations off
        grad_input.npy       PyTorch autograd's d output[0, class] / d input, (1, H, W, C)
        reference.json       the files above, each node's name, op and output tensor, the class

Families (reduced widths and input sizes, the classes' own module structure and names)
    resnet18      torchvision ResNet, BasicBlock [2, 2, 2, 2], widths 4..32, 32x32
    resnet50      torchvision ResNet, Bottleneck [1, 1, 1, 1], widths 4..32 (x4), 32x32
    vgg11bn       torchvision VGG, cfg [4, M, 8, 8, M] with BN, 28x28 (7x7 before Flatten)
    vgg11         the same without BN
    mobilenetv2   torchvision MobileNetV2, width_mult 0.25, a block per stage (two in the second: a
                  residual Add), last conv 64 channels, 32x32
    convnext      torchvision ConvNeXt, stages of 8 and 16 channels, one block each, 32x32, TorchScript
                  exporter only: LayerNormalization between Transposes, MatMul on 4-D values, Gelu,
                  layer scale (the dynamo export reshapes across the batch axis, which vizrun refuses)
    mix           grouped/dilated/depthwise Conv, unfolded BatchNorm, Hardswish, Hardsigmoid,
                  LeakyReLU, AvgPool (ceil_mode, pads, count_include_pad=False), MaxPool ceil_mode,
                  x.view(x.size(0), -1), Softmax; dynamic batch, an input named 'pixel values'
    mix2          PReLU, SELU, maximum, minimum, negation, F.pad, AvgPool counting padding cells
                  (ceil_mode), permute, unsqueeze/squeeze, a mean over the middle axes of an
                  NHWC-ordered value, log_softmax; 16x16
    autopad       written with onnx.helper, as no PyTorch exporter writes auto_pad: Conv with
                  SAME_UPPER and SAME_LOWER (odd padding, stride 2), MaxPool VALID, AveragePool
                  SAME_LOWER; references from onnxruntime only (no gradient)
Exporters: `ts` (dynamo=False, the TorchScript exporter, its default opset), `dynamo` (dynamo=True,
external data); `mix_ts11` uses opset 11 (Softmax before opset 13, Clip inputs) and keeps the
Shape/Gather/Unsqueeze/Concat chain and BatchNormalization unfolded; `mobilenetv2_ts10` uses
opset 10 (Clip bounds as attributes).

Usage:  python3 Scripts/make_onnx_fixtures.py
"""

import json
import os
import shutil
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
from torchvision.models.convnext import CNBlockConfig, ConvNeXt
from torchvision.models.mobilenetv2 import MobileNetV2
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet
from torchvision.models.vgg import VGG, make_layers
from torchvision.ops.misc import Conv2dNormActivation

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "onnx")
SEED = 20251205


class SmallResNet(ResNet):
    """torchvision's ResNet with stage widths 4, 8, 16, 32 instead of 64..512 (same module names)."""

    def __init__(self, block, layers, num_classes=10):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes, self.dilation, self.groups, self.base_width = 4, 1, 1, 64
        self.conv1 = nn.Conv2d(3, 4, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 4, layers[0])
        self.layer2 = self._make_layer(block, 8, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 16, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 32, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(32 * block.expansion, num_classes)


def small_vgg(batch_norm):
    model = VGG(make_layers([4, "M", 8, 8, "M"], batch_norm=batch_norm), num_classes=10)
    model.classifier = nn.Sequential(nn.Linear(8 * 7 * 7, 32), nn.ReLU(True), nn.Dropout(),
                                     nn.Linear(32, 32), nn.ReLU(True), nn.Dropout(), nn.Linear(32, 10))
    return model


def small_mobilenet_v2():
    """torchvision's MobileNetV2 at width 0.25 with one block per stage and a 64-channel last conv."""
    setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 1, 2], [6, 64, 1, 2], [6, 96, 1, 1], [6, 160, 1, 2]]
    model = MobileNetV2(num_classes=10, width_mult=0.25, inverted_residual_setting=setting)
    model.features[-1] = Conv2dNormActivation(model.features[-1][0].in_channels, 64, kernel_size=1,
                                              activation_layer=nn.ReLU6)
    model.classifier[1] = nn.Linear(64, 10)
    return model


class Mix(nn.Module):
    """The ops the torchvision families leave out, in one small network."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.act1 = nn.Hardswish()
        self.pool1 = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=2, dilation=2, groups=2)
        self.act2 = nn.Hardsigmoid()
        self.pool2 = nn.MaxPool2d(2, ceil_mode=True)
        self.conv3 = nn.Conv2d(16, 16, 3, padding=(1, 0), groups=16)
        self.act3 = nn.LeakyReLU(0.1)
        self.fc = nn.Linear(16 * 5 * 3, 10)

    def forward(self, x):
        x = self.pool1(self.act1(self.bn1(self.conv1(x))))
        x = self.pool2(self.act2(self.conv2(x)))
        x = self.act3(self.conv3(x))
        return torch.softmax(self.fc(x.view(x.size(0), -1)), 1)


class Mix2(nn.Module):
    """More ops PyTorch code exports: PReLU, SELU, maximum/minimum, negation, F.pad, an average
    pool that counts padding (ceil_mode), permute, unsqueeze/squeeze, a mean over the NHWC-ordered
    middle axes, log_softmax."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.prelu = nn.PReLU(6)
        self.conv2 = nn.Conv2d(6, 6, 1)
        self.selu = nn.SELU()
        self.pool = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)  # counts padding cells in
        self.fc = nn.Linear(6, 10)

    def forward(self, x):
        a = self.prelu(self.conv1(x))
        b = self.selu(self.conv2(a))
        m = torch.maximum(a, b) + torch.minimum(a, -b)
        m = self.pool(nn.functional.pad(m, (1, 2, 0, 1)))
        t = m.permute(0, 2, 3, 1).unsqueeze(1).squeeze(1)
        return nn.functional.log_softmax(self.fc(t.mean(dim=(1, 2))), dim=1)


def randomise(model):
    """Seeded weights, and BatchNorm statistics far from the identity, so a slip shows."""
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                c = module.num_features
                module.weight.copy_(torch.rand(c, generator=generator) + 0.5)
                module.bias.copy_(torch.rand(c, generator=generator) - 0.5)
                module.running_mean.copy_(torch.rand(c, generator=generator) - 0.5)
                module.running_var.copy_(torch.rand(c, generator=generator) * 1.7 + 0.3)
            if isinstance(getattr(module, "layer_scale", None), nn.Parameter):  # ConvNeXt's, 1e-6 at first
                module.layer_scale.copy_(torch.rand(module.layer_scale.shape, generator=generator) + 0.5)
            if isinstance(module, nn.LayerNorm):
                module.weight.copy_(torch.rand(module.weight.shape, generator=generator) + 0.5)
                module.bias.copy_(torch.rand(module.bias.shape, generator=generator) - 0.5)
            elif isinstance(module, (nn.Conv2d, nn.Linear)):
                fan_in = module.weight[0].numel()
                module.weight.copy_((torch.rand(module.weight.shape, generator=generator) * 2 - 1) * (3 / fan_in) ** 0.5)
                if module.bias is not None:
                    module.bias.copy_(torch.rand(module.bias.shape, generator=generator) - 0.5)
    return model.eval()


def export(model, x, folder, dynamo, opset=None, **options):
    path = os.path.join(folder, "model.onnx")
    kwargs = dict(dynamo=dynamo, input_names=[options.pop("input_name", "input")], output_names=["output"])
    if opset is not None:
        kwargs["opset_version"] = opset
    kwargs.update(options)
    torch.onnx.export(model, (x,), path, **kwargs)
    return path


def node_outputs(path, x):
    """onnxruntime's value of every node output computed from the input (not from constants alone)."""
    model = onnx.load(path)
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {v.name: v for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    initialized = {t.name for t in model.graph.initializer}
    dynamic = {i.name for i in model.graph.input if i.name not in initialized}
    nodes = []
    for node in model.graph.node:
        if any(name in dynamic for name in node.input):
            dynamic.update(name for name in node.output if name)
            if node.output[0] in types and types[node.output[0]].type.tensor_type.elem_type == onnx.TensorProto.FLOAT:
                nodes.append(node)
    present = {o.name for o in model.graph.output}
    model.graph.output.extend(types[n.output[0]] for n in nodes if n.output[0] not in present)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    values = session.run([n.output[0] for n in nodes], {session.get_inputs()[0].name: x.numpy()})
    return nodes, values


def save_node_outputs(folder, path, x):
    """onnxruntime's output of every node into outputs/NNN.npy, in ONNX's order; their records."""
    nodes, values = node_outputs(path, x)
    records = []
    for index, (node, value) in enumerate(zip(nodes, values)):
        file = f"outputs/{index:03d}.npy"
        np.save(os.path.join(folder, file), value.astype(np.float32))
        records.append({"name": node.name, "op": node.op_type, "output": node.output[0], "file": file})
    np.save(os.path.join(folder, "input.npy"), channels_last(x.numpy()))
    return records, values[-1]


def channels_last(image):
    return np.ascontiguousarray(image.transpose(0, 2, 3, 1), dtype=np.float32)


def write_fixture(name, model, size, dynamo, opset=None, **options):
    folder = os.path.join(OUT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "outputs"))
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(SEED)) * 2 - 1
    path = export(model, x, folder, dynamo, opset, **options)
    records, last = save_node_outputs(folder, path, x)
    xg = x.clone().requires_grad_(True)
    output = model(xg)
    predicted = int(output[0].argmax())
    output[0, predicted].backward()
    np.save(os.path.join(folder, "grad_input.npy"), channels_last(xg.grad.numpy()))
    reference_output = output.detach().numpy()
    assert np.abs(last - reference_output).max() <= 1e-4 * np.abs(reference_output).max(), name
    opsets = {o.domain: o.version for o in onnx.load(path, load_external_data=False).opset_import}
    reference = {"model": "model.onnx", "input": "input.npy", "gradient": "grad_input.npy", "class": predicted,
                 "exporter": "dynamo" if dynamo else "torchscript", "opset": opsets.get("", opsets.get("ai.onnx")),
                 "torch": torch.__version__, "onnxruntime": ort.__version__, "nodes": records}
    with open(os.path.join(folder, "reference.json"), "w") as handle:
        json.dump(reference, handle, indent=1)
    size_kb = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(folder) for f in fs) / 1024
    print(f"{name}: {len(records)} nodes, opset {reference['opset']}, class {predicted}, {size_kb:.0f} KB")


def write_autopad_fixture():
    from onnx import TensorProto, helper
    folder = os.path.join(OUT, "autopad")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "outputs"))
    generator = np.random.default_rng(SEED)
    w1 = generator.uniform(-0.5, 0.5, (4, 3, 3, 3)).astype(np.float32)
    w2 = generator.uniform(-0.5, 0.5, (5, 4, 2, 2)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="conv_same_upper", auto_pad="SAME_UPPER", strides=[2, 2]),
        helper.make_node("Conv", ["c1", "w2"], ["c2"], name="conv_same_lower", auto_pad="SAME_LOWER", strides=[2, 1]),
        helper.make_node("MaxPool", ["c2"], ["p1"], name="pool_valid", auto_pad="VALID", kernel_shape=[2, 2]),
        helper.make_node("AveragePool", ["c2"], ["p2"], name="average_same_lower", auto_pad="SAME_LOWER",
                         kernel_shape=[3, 2], strides=[2, 2]),
    ]
    graph = helper.make_graph(nodes, "autopad", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 10, 9])],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ["p1", "p2"]],
                              [helper.make_tensor("w1", TensorProto.FLOAT, w1.shape, w1.ravel()),
                               helper.make_tensor("w2", TensorProto.FLOAT, w2.shape, w2.ravel())])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="make_onnx_fixtures.py")
    model.ir_version = 8
    path = os.path.join(folder, "model.onnx")
    onnx.save(model, path)
    x = torch.rand(1, 3, 10, 9, generator=torch.Generator().manual_seed(SEED)) * 2 - 1
    records, _ = save_node_outputs(folder, path, x)
    reference = {"model": "model.onnx", "input": "input.npy", "gradient": None, "class": 0, "exporter": "onnx.helper",
                 "opset": 17, "onnxruntime": ort.__version__, "nodes": records}
    with open(os.path.join(folder, "reference.json"), "w") as handle:
        json.dump(reference, handle, indent=1)
    print(f"autopad: {len(records)} nodes")


def main():
    torch.manual_seed(SEED)
    families = {
        "resnet18": (lambda: SmallResNet(BasicBlock, [2, 2, 2, 2]), 32),
        "resnet50": (lambda: SmallResNet(Bottleneck, [1, 1, 1, 1]), 32),
        "vgg11bn": (lambda: small_vgg(True), 28),
        "vgg11": (lambda: small_vgg(False), 28),
        "mobilenetv2": (small_mobilenet_v2, 32),
        "mix": (Mix, 32),
    }
    for family, (make, size) in families.items():
        model = randomise(make())
        write_fixture(f"{family}_ts", model, size, dynamo=False)
        write_fixture(f"{family}_dynamo", model, size, dynamo=True)
    write_fixture("convnext_ts", randomise(ConvNeXt([CNBlockConfig(8, 16, 1), CNBlockConfig(16, None, 1)], num_classes=10)),
                  32, dynamo=False)
    model = randomise(Mix2())
    with torch.no_grad():
        model.prelu.weight.copy_(torch.linspace(0.05, 0.6, 6))
    write_fixture("mix2_ts", model, 16, dynamo=False)
    write_fixture("mix2_dynamo", model, 16, dynamo=True)
    write_fixture("mix_ts11", randomise(Mix()), 32, dynamo=False, opset=11, input_name="pixel values",
                  do_constant_folding=False, dynamic_axes={"pixel values": {0: "batch"}})
    write_fixture("mobilenetv2_ts10", randomise(small_mobilenet_v2()), 32, dynamo=False, opset=10)
    write_autopad_fixture()


if __name__ == "__main__":
    main()
