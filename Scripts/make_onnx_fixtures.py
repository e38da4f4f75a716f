#!/usr/bin/env python3
"""Write vizrun's ONNX golden fixtures into Tests/Fixtures/onnx/.

Tooling only: vizrun never runs Python. Each fixture is a small torchvision-family network with
seeded random weights and randomised BatchNorm statistics (nothing is downloaded), exported by one
of PyTorch's two exporters, with what the references computed for one fixed input:

    Tests/Fixtures/onnx/<family>_<exporter>/
        model.onnx (+ model.onnx.data: the dynamo exporter's external data)
        input.npy            the input, (1, H, W, C) as vizrun holds it
        outputs.npy          onnxruntime's output of every node computed from the input, in ONNX's
                             axis order (the test knows which values vizrun holds as (H, W, C)
                             images), graph optimisations off, one after the other in one float32
                             vector (one file, not hundreds of small ones)
        grad_input.npy       PyTorch autograd's d output[0, class] / d input, (1, H, W, C)
        reference.json       the files above; each node's name, op, output tensor, its output's shape
                             and where it starts in which outputs.npy; the class
A fixture that `shares` another (the TorchScript one of its family, for the dynamo fixture and the
other opsets) names that one's files where they hold the same bytes (`../<family>_ts/outputs.npy`
at an offset, `../<family>_ts/input.npy`), and an output equal to an earlier one is stored once.

The networks are in Scripts/onnx_fixture_models.py (reduced widths and input sizes, the classes'
own module structure and names):
    resnet18, resnet50  ResNet, BasicBlock [2, 2, 2, 2] and Bottleneck [1, 1, 1, 1], widths 4..32, 32x32
    vgg11bn, vgg11      VGG, cfg [4, M, 8, 8, M] with and without BN, 28x28 (7x7 before Flatten)
    mobilenetv2         width 0.25, a block per stage (two in the second: a residual Add), 32x32
    mobilenetv3         MobileNetV3-Small at width 0.125 (Hardswish, squeeze-and-excite), 32x32
    efficientnet_b0     width 0.125, depth 0.34 (SiLU, squeeze-and-excite, stochastic depth), 32x32
    regnet              RegNetY of depth 4 (grouped convolutions, squeeze-and-excite), 32x32
    mnasnet             alpha 0.1, 64-channel head, 32x32
    shufflenetv2        stages [2, 2, 2] of widths 8..64 (chunk, channel shuffle), 32x32
    squeezenet          SqueezeNet 1.1, 6 times narrower (Fire modules: Concat), 32x32
    googlenet           16 times narrower, no auxiliary classifiers (Inception blocks, ceil-mode pools), 32x32
    inceptionv3         28 times narrower, no auxiliary classifier, 75x75 (the smallest it takes)
    densenet            growth 8, blocks (2, 2, 2, 2) (unfolded BatchNorm, Concat of one tensor), 32x32
    convnext            stages of 8 and 16 channels, one block each: LayerNormalization between
                        Transposes, MatMul on 4-D values, Gelu, layer scale; the dynamo exporter
                        writes its pooled output's as_strided as a Reshape across the batch axis
                        and a Gather
    mix                 grouped/dilated/depthwise Conv, unfolded BatchNorm, Hardswish, Hardsigmoid,
                        LeakyReLU, AvgPool (ceil_mode, pads, count_include_pad=False), MaxPool
                        ceil_mode, x.view(x.size(0), -1), Softmax; dynamic batch, an input named
                        'pixel values'
    mix2                PReLU, SELU, maximum, minimum, negation, F.pad, AvgPool counting padding
                        cells (ceil_mode), permute, unsqueeze/squeeze, a mean over the middle axes
                        of an NHWC-ordered value, log_softmax; 16x16
    mix3                ConvTranspose (groups, dilation, output_padding), InstanceNorm, GELU, edge and
                        reflect Pad, Resize (bilinear, nearest, align_corners, a size), chunk
                        (Split, or Slices), Sqrt/Exp/Log/Abs/Reciprocal/Pow, division of two values,
                        strided slices, self-attention (MatMul of two values), Gather, LogSoftmax
                        over channels, ReduceMax/ReduceSum/ReduceMean over other axes; 16x16
    resample            nearest upsampling, chunk, strided slices, reflect padding, exported at
                        opsets 9 (Upsample; Split, Slice and Pad attributes) and 10 (Resize); 16x16
    autopad             written with onnx.helper, as no PyTorch exporter writes auto_pad: Conv with
                        SAME_UPPER and SAME_LOWER (odd padding, stride 2), MaxPool VALID, AveragePool
                        SAME_LOWER, ConvTranspose with output_shape and with SAME_UPPER; references
                        from onnxruntime only (no gradient)
    handwritten         written with onnx.helper too, opset 19: operator forms exporters rarely
                        write (see write_handwritten_fixture); onnxruntime only
Exporters: `ts` (dynamo=False, the TorchScript exporter, its default opset), `dynamo` (dynamo=True,
external data; of each node's metadata only the name scopes vizrun reads are kept: the rest is most
of a small file, and its stack traces hold the absolute paths of the machine that ran this script,
so the files would differ from one checkout to another); `mix_ts11` uses opset 11
(Softmax before opset 13, Clip inputs) and keeps the Shape/Gather/Unsqueeze/Concat chain and
BatchNormalization unfolded; `mobilenetv2_ts10` uses opset 10 (Clip bounds as attributes);
`mix3_ts17` opset 17 (GELU as Erf), `mix3_ts11` opset 11 (Resize's roi and scales inputs).
PyTorch and onnxruntime run on one thread, so that rerunning gives identical files.

Usage:  python3 Scripts/make_onnx_fixtures.py [FIXTURE ...]    (all of them by default)
"""

import hashlib
import io
import json
import os
import shutil
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
from onnx_fixture_models import (Mix, Mix2, Mix3, Resample, SmallResNet, small_convnext, small_densenet,
                                 small_efficientnet_b0, small_googlenet, small_inception_v3, small_mnasnet,
                                 small_mobilenet_v2, small_mobilenet_v3, small_regnet, small_shufflenet_v2,
                                 small_squeezenet, small_vgg)
from torchvision.models.resnet import BasicBlock, Bottleneck

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "onnx")
SEED = 20251205


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
            if isinstance(module, (nn.LayerNorm, nn.InstanceNorm2d)):
                module.weight.copy_(torch.rand(module.weight.shape, generator=generator) + 0.5)
                module.bias.copy_(torch.rand(module.bias.shape, generator=generator) - 0.5)
            elif isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
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
    if dynamo:
        exported = onnx.load(path, load_external_data=False)
        for node in exported.graph.node:
            for entry in [p for p in node.metadata_props if p.key != "pkg.torch.onnx.name_scopes"]:
                node.metadata_props.remove(entry)
        onnx.save(exported, path)
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
            # An index (ArgMax) is held as a float by vizrun, and compared as one.
            if node.output[0] in types and (types[node.output[0]].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
                                            or node.op_type in ("ArgMax", "ArgMin")):
                nodes.append(node)
    present = {o.name for o in model.graph.output}
    model.graph.output.extend(types[n.output[0]] for n in nodes if n.output[0] not in present)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    values = session.run([n.output[0] for n in nodes], {session.get_inputs()[0].name: x.numpy()})
    return nodes, values


def save_node_outputs(folder, path, x, shares=None):
    """onnxruntime's output of every node, in ONNX's order, into outputs.npy, except where this
    fixture or the one it `shares` holds the same values already; their records."""
    known = {}
    if shares:
        with open(os.path.join(OUT, shares, "reference.json")) as handle:
            shared = json.load(handle)
        vectors = {}
        for record in shared["nodes"]:
            file = os.path.normpath(os.path.join(shares, record["file"]))
            vector = vectors.setdefault(file, np.load(os.path.join(OUT, file)))
            count = int(np.prod(record["shape"]))
            values = vector[record["offset"]:record["offset"] + count].reshape(record["shape"])
            known.setdefault(digest(values), ("../" + file, record["offset"]))
    nodes, values = node_outputs(path, x)
    records, own, offset = [], [], 0
    for node, value in zip(nodes, values):
        value = value.astype(np.float32)
        file, start = known.setdefault(digest(value), ("outputs.npy", offset))
        if file == "outputs.npy" and start == offset:
            own.append(value.ravel())
            offset += value.size
        records.append({"name": node.name, "op": node.op_type, "output": node.output[0], "shape": list(value.shape),
                        "file": file, "offset": start})
    np.save(os.path.join(folder, "outputs.npy"), np.concatenate(own) if own else np.zeros(0, np.float32))
    return records, values[-1]


def digest(array):
    """The same for arrays of equal shape and bytes."""
    return hashlib.sha256(repr(array.shape).encode() + np.ascontiguousarray(array, np.float32).tobytes()).hexdigest()


def save_array(folder, name, array, shares):
    """The array as <name>.npy, or the path of the shared fixture's file of the same bytes."""
    path = os.path.join(folder, f"{name}.npy")
    np.save(path, array)
    if shares:
        sibling = os.path.join(OUT, shares, f"{name}.npy")
        with open(path, "rb") as mine, open(sibling, "rb") as theirs:
            if mine.read() == theirs.read():
                os.remove(path)
                return f"../{shares}/{name}.npy"
    return f"{name}.npy"


def channels_last(image):
    return np.ascontiguousarray(image.transpose(0, 2, 3, 1), dtype=np.float32)


def write_fixture(name, model, size, dynamo, opset=None, shares=None, **options):
    folder = os.path.join(OUT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(SEED)) * 2 - 1
    path = export(model, x, folder, dynamo, opset, **options)
    records, last = save_node_outputs(folder, path, x, shares)
    xg = x.clone().requires_grad_(True)
    output = model(xg)
    predicted = int(output[0].argmax())
    output[0, predicted].backward()
    assert xg.grad.abs().max() > 0, f"{name}: the output does not depend on the input (a dead layer)"
    reference_output = output.detach().numpy()
    assert np.abs(last - reference_output).max() <= 1e-4 * np.abs(reference_output).max(), name
    opsets = {o.domain: o.version for o in onnx.load(path, load_external_data=False).opset_import}
    reference = {"model": "model.onnx", "input": save_array(folder, "input", channels_last(x.numpy()), shares),
                 "gradient": save_array(folder, "grad_input", channels_last(xg.grad.numpy()), shares), "class": predicted,
                 "exporter": "dynamo" if dynamo else "torchscript", "opset": opsets.get("", opsets.get("ai.onnx")),
                 "torch": torch.__version__, "onnxruntime": ort.__version__, "nodes": records}
    with open(os.path.join(folder, "reference.json"), "w") as handle:
        json.dump(reference, handle, indent=1)
    size_kb = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(folder) for f in fs) / 1024
    shared = sum(record["file"] != "outputs.npy" for record in records)
    print(f"{name}: {len(records)} nodes ({shared} outputs shared with {shares}), opset {reference['opset']}, "
          f"class {predicted}, {size_kb:.0f} KB")


def write_autopad_fixture():
    from onnx import TensorProto, helper
    folder = os.path.join(OUT, "autopad")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    generator = np.random.default_rng(SEED)
    w1 = generator.uniform(-0.5, 0.5, (4, 3, 3, 3)).astype(np.float32)
    w2 = generator.uniform(-0.5, 0.5, (5, 4, 2, 2)).astype(np.float32)
    w3 = generator.uniform(-0.5, 0.5, (5, 3, 3, 3)).astype(np.float32)
    w4 = generator.uniform(-0.5, 0.5, (5, 2, 2, 3)).astype(np.float32)
    w5 = generator.uniform(-0.5, 0.5, (5, 1, 3, 3)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="conv_same_upper", auto_pad="SAME_UPPER", strides=[2, 2]),
        helper.make_node("Conv", ["c1", "w2"], ["c2"], name="conv_same_lower", auto_pad="SAME_LOWER", strides=[2, 1]),
        helper.make_node("MaxPool", ["c2"], ["p1"], name="pool_valid", auto_pad="VALID", kernel_shape=[2, 2]),
        helper.make_node("AveragePool", ["c2"], ["p2"], name="average_same_lower", auto_pad="SAME_LOWER",
                         kernel_shape=[3, 2], strides=[2, 2]),
        helper.make_node("ConvTranspose", ["c2", "w3"], ["t1"], name="transposed_output_shape", strides=[2, 2],
                         output_shape=[7, 10]),
        helper.make_node("ConvTranspose", ["c2", "w4"], ["t2"], name="transposed_same_upper", strides=[2, 2],
                         auto_pad="SAME_UPPER"),
        helper.make_node("ConvTranspose", ["c2", "w5"], ["t3"], name="transposed_depthwise", group=5, strides=[2, 1],
                         dilations=[2, 1], pads=[1, 0, 0, 1], output_padding=[1, 0]),
    ]
    graph = helper.make_graph(nodes, "autopad", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 10, 9])],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ["p1", "p2", "t1", "t2", "t3"]],
                              [helper.make_tensor(name, TensorProto.FLOAT, w.shape, w.ravel())
                               for name, w in [("w1", w1), ("w2", w2), ("w3", w3), ("w4", w4), ("w5", w5)]])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="make_onnx_fixtures.py")
    model.ir_version = 8
    path = os.path.join(folder, "model.onnx")
    onnx.save(model, path)
    x = torch.rand(1, 3, 10, 9, generator=torch.Generator().manual_seed(SEED)) * 2 - 1
    records, _ = save_node_outputs(folder, path, x)
    reference = {"model": "model.onnx", "input": save_array(folder, "input", channels_last(x.numpy()), None), "gradient": None, "class": 0, "exporter": "onnx.helper",
                 "opset": 17, "onnxruntime": ort.__version__, "nodes": records}
    with open(os.path.join(folder, "reference.json"), "w") as handle:
        json.dump(reference, handle, indent=1)
    print(f"autopad: {len(records)} nodes")


def write_handwritten_fixture():
    """Operator forms exporters rarely write, at opset 19: Split by an input, Sum and Mean of three,
    ReduceMin with axes as an input, Pad wrap on listed axes, Resize on listed axes with
    tf_half_pixel_for_nn, pytorch_half_pixel, round_prefer_ceil and ceil, Gather with indices of
    rank 0 and 2, GlobalMaxPool, Div of a constant by a value, Softplus, Elu, Tanh, Gemm with
    alpha and beta, with and without transB, and ArgMax and ArgMin (over the channels, keeping the
    axis, as a segmentation export ends; over a row without it, ties going to the last index)."""
    from onnx import TensorProto, helper
    folder = os.path.join(OUT, "handwritten")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    generator = np.random.default_rng(SEED)
    constants = {
        "w1": generator.uniform(-0.5, 0.5, (6, 3, 3, 3)).astype(np.float32),
        "split": np.array([1, 2, 3], np.int64), "channels": np.array([1], np.int64),
        "pads": np.array([1, 2, 0, 1], np.int64), "spatial": np.array([2, 3], np.int64),
        "sizes": np.array([7, 9], np.int64), "scales": np.array([1.5, 0.75], np.float32),
        "sizes4": np.array([1, 1, 4, 5], np.int64), "pairs": np.array([[2, 0], [1, 1]], np.int64),
        "four": np.array(4, np.int64), "numerators": generator.uniform(1, 2, (3, 1, 1)).astype(np.float32),
        "one": np.array(1, np.float32),
        "gemm_w_t": generator.uniform(-0.5, 0.5, (4, 6)).astype(np.float32),
        "gemm_w": generator.uniform(-0.5, 0.5, (6, 4)).astype(np.float32),
        "gemm_b": generator.uniform(-0.5, 0.5, (4,)).astype(np.float32),
    }
    make = helper.make_node
    nodes = [
        make("Conv", ["x", "w1"], ["c1"], name="conv", pads=[1, 1, 1, 1]),
        make("Split", ["c1", "split"], ["s1", "s2", "s3"], name="split_by_input", axis=1),
        make("Elu", ["s3"], ["elu"], name="elu", alpha=0.5),
        make("Sum", ["s3", "elu", "s1"], ["sum"], name="sum_of_three"),
        make("Softplus", ["s2"], ["softplus"], name="softplus"),
        make("Tanh", ["s2"], ["tanh"], name="tanh"),
        make("Mean", ["s2", "softplus", "tanh"], ["mean"], name="mean_of_three"),
        make("ReduceMin", ["sum", "channels"], ["minimum"], name="reduce_min", keepdims=1),
        make("Pad", ["mean", "pads", "", "spatial"], ["wrapped"], name="pad_wrap", mode="wrap"),
        make("Resize", ["wrapped", "", "", "sizes"], ["r1"], name="resize_tf_nearest", axes=[2, 3], mode="nearest",
             coordinate_transformation_mode="tf_half_pixel_for_nn", nearest_mode="round_prefer_ceil"),
        make("Resize", ["minimum", "", "scales"], ["r2"], name="resize_pytorch_linear", axes=[2, 3], mode="linear",
             coordinate_transformation_mode="pytorch_half_pixel"),
        make("Resize", ["s1", "", "", "sizes4"], ["r3"], name="resize_nearest_ceil", mode="nearest", nearest_mode="ceil"),
        make("Gather", ["sum", "pairs"], ["g1"], name="gather_pairs", axis=1),
        make("Gather", ["sum", "four"], ["g2"], name="gather_column", axis=3),
        make("GlobalMaxPool", ["c1"], ["gmax"], name="global_max"),
        make("Abs", ["sum"], ["magnitude"], name="abs"),
        make("Add", ["magnitude", "one"], ["shifted"], name="add_one"),
        make("Div", ["numerators", "shifted"], ["quotient"], name="constant_over_value"),
        make("Flatten", ["gmax"], ["flat"], name="flatten"),
        make("Gemm", ["flat", "gemm_w_t", "gemm_b"], ["dense_t"], name="gemm_scaled_transposed", alpha=0.5, beta=2.0,
             transB=1),
        make("Gemm", ["flat", "gemm_w", "gemm_b"], ["dense"], name="gemm_plain"),
        make("ArgMax", ["sum"], ["classes"], name="argmax_channels", axis=1, keepdims=1),
        make("Relu", ["s2"], ["rectified"], name="relu"),
        make("ArgMin", ["rectified"], ["last_minimum"], name="argmin_last_in_row", axis=-1, keepdims=0,
             select_last_index=1),
    ]
    outputs = ["r1", "r2", "r3", "g1", "g2", "gmax", "quotient", "dense_t", "dense"]
    indices = ["classes", "last_minimum"]
    graph = helper.make_graph(nodes, "handwritten", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 9, 10])],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs]
                              + [helper.make_tensor_value_info(n, TensorProto.INT64, None) for n in indices],
                              [onnx.numpy_helper.from_array(value, name) for name, value in constants.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)], producer_name="make_onnx_fixtures.py")
    model.ir_version = 9
    path = os.path.join(folder, "model.onnx")
    onnx.save(model, path)
    x = torch.rand(1, 3, 9, 10, generator=torch.Generator().manual_seed(SEED)) * 2 - 1
    records, _ = save_node_outputs(folder, path, x)
    reference = {"model": "model.onnx", "input": save_array(folder, "input", channels_last(x.numpy()), None), "gradient": None,
                 "class": 0, "exporter": "onnx.helper", "opset": 19, "onnxruntime": ort.__version__, "nodes": records}
    with open(os.path.join(folder, "reference.json"), "w") as handle:
        json.dump(reference, handle, indent=1)
    print(f"handwritten: {len(records)} nodes")


def write_family(name, make, size, exporters=("ts", "dynamo")):
    """The family's model for each exporter; the dynamo fixture shares the TorchScript one's outputs."""
    model = randomise(make())
    for exporter in exporters:
        write_fixture(f"{name}_{exporter}", model, size, dynamo=exporter == "dynamo",
                      shares=f"{name}_ts" if exporter != "ts" and "ts" in exporters else None)


def fixtures():
    """Every fixture by name, each a function that writes it."""
    families = {
        "resnet18": (lambda: SmallResNet(BasicBlock, [2, 2, 2, 2]), 32),
        "resnet50": (lambda: SmallResNet(Bottleneck, [1, 1, 1, 1]), 32),
        "vgg11bn": (lambda: small_vgg(True), 28),
        "vgg11": (lambda: small_vgg(False), 28),
        "mobilenetv2": (small_mobilenet_v2, 32),
        "mix": (Mix, 32),
        "mobilenetv3": (small_mobilenet_v3, 32),
        "efficientnet_b0": (small_efficientnet_b0, 32),
        "regnet": (small_regnet, 32),
        "mnasnet": (small_mnasnet, 32),
        "shufflenetv2": (small_shufflenet_v2, 32),
        "squeezenet": (small_squeezenet, 32),
        "googlenet": (small_googlenet, 32),
        "inceptionv3": (small_inception_v3, 75),
        "densenet": (small_densenet, 32),
        "convnext": (small_convnext, 32),
        "mix3": (Mix3, 16),
    }
    writers = {name: (lambda name=name, make=make, size=size: write_family(name, make, size))
               for name, (make, size) in families.items()}

    def mix2():
        model = randomise(Mix2())
        with torch.no_grad():
            model.prelu.weight.copy_(torch.linspace(0.05, 0.6, 6))
        write_fixture("mix2_ts", model, 16, dynamo=False)
        write_fixture("mix2_dynamo", model, 16, dynamo=True, shares="mix2_ts")

    writers.update({
        "mix2": mix2,
        "mix_ts11": lambda: write_fixture("mix_ts11", randomise(Mix()), 32, dynamo=False, opset=11,
                                          input_name="pixel values", do_constant_folding=False,
                                          dynamic_axes={"pixel values": {0: "batch"}}),
        "mobilenetv2_ts10": lambda: write_fixture("mobilenetv2_ts10", randomise(small_mobilenet_v2()), 32,
                                                  dynamo=False, opset=10, shares="mobilenetv2_ts"),
        "mix3_ts17": lambda: write_fixture("mix3_ts17", randomise(Mix3()), 16, dynamo=False, opset=17,
                                           shares="mix3_ts"),
        "mix3_ts11": lambda: write_fixture("mix3_ts11", randomise(Mix3()), 16, dynamo=False, opset=11,
                                           shares="mix3_ts"),
        "resample_ts9": lambda: write_fixture("resample_ts9", randomise(Resample()), 16, dynamo=False, opset=9),
        "resample_ts10": lambda: write_fixture("resample_ts10", randomise(Resample()), 16, dynamo=False, opset=10,
                                               shares="resample_ts9"),
        "autopad": write_autopad_fixture,
        "handwritten": write_handwritten_fixture,
    })
    return writers


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    writers = fixtures()
    unknown = [name for name in sys.argv[1:] if name not in writers]
    if unknown:
        sys.exit(f"unknown fixtures {unknown}; there are {sorted(writers)}")
    for name in sys.argv[1:] or writers:
        writers[name]()


if __name__ == "__main__":
    main()
