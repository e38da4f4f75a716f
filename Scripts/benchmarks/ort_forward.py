"""The ONNX forward job done with onnxruntime, for the benchmark: the images of a folder resized to
224x224 (Pillow's bilinear, as vizrun's `resize: bilinear`), scaled as torchvision's transforms do
(x/255, ImageNet mean and std), and one forward pass over them as one batch that yields the output
of every node computed from the input (each added as a graph output, as vizrun's `layers: all`
asks for every node). Prints `compute_seconds=` (that pass, after one warm-up pass on the same
batch) and `gflop=` (the Conv, Gemm and MatMul multiply-adds of the pass, x2).

    python3 ort_forward.py MODEL.onnx IMAGE_DIR"""
import os
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from PIL import Image

model_path, image_dir = sys.argv[1:3]
files = sorted(f for f in os.listdir(image_dir) if f.lower().endswith((".jpg", ".jpeg", ".png")))
mean, std = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)
images = [np.asarray(Image.open(os.path.join(image_dir, f)).convert("RGB").resize((224, 224), Image.BILINEAR),
                     np.float32) / 255 for f in files]
batch = np.ascontiguousarray(((np.stack(images) - mean) / std).transpose(0, 3, 1, 2))

model = onnx.load(model_path)
inferred = onnx.shape_inference.infer_shapes(model)
shapes = {v.name: [d.dim_value or batch.shape[0] for d in v.type.tensor_type.shape.dim]
          for v in list(inferred.graph.value_info) + list(inferred.graph.output) + list(inferred.graph.input)}
initializers = {t.name: list(t.dims) for t in model.graph.initializer}
dynamic = {i.name for i in model.graph.input if i.name not in initializers}
outputs, macs = [], 0
for node in model.graph.node:
    if not any(name in dynamic for name in node.input):
        continue
    dynamic.update(name for name in node.output if name)
    outputs.append(node.output[0])
    if node.op_type == "Conv":  # output elements x (input channels / groups) x kernel area
        weight = initializers[node.input[1]]
        macs += int(np.prod(shapes[node.output[0]])) * int(np.prod(weight[1:]))
    elif node.op_type in ("Gemm", "MatMul"):
        macs += int(np.prod(shapes[node.output[0]])) * shapes[node.input[0]][-1]
present = {o.name for o in model.graph.output}
model.graph.output.extend(onnx.ValueInfoProto(name=name) for name in outputs if name not in present)

session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
feed = {session.get_inputs()[0].name: batch}
session.run(outputs, feed)
start = time.perf_counter()
values = session.run(outputs, feed)
print(f"compute_seconds={time.perf_counter() - start:.4f}")
print(f"gflop={2 * macs / 1e9:.2f}")
print(f"nodes={len(values)} batch={batch.shape[0]}")
