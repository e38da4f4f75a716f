#!/usr/bin/env python3
"""The attribution methods' anchors on a seeded torchvision ResNet-18, for timing beside vizrun.

    python3 Scripts/benchmarks/torch_attribution.py export DIR        # DIR/resnet18.onnx, .pt, input.npy, configs
    python3 Scripts/benchmarks/torch_attribution.py scorecam DIR      # pytorch-grad-cam ScoreCAM, layer4, batch 32
    python3 Scripts/benchmarks/torch_attribution.py ablationcam DIR   # pytorch-grad-cam AblationCAM, layer4, batch 32
    python3 Scripts/benchmarks/torch_attribution.py ig DIR            # Captum IntegratedGradients, 50 steps, batch 32
    vizrun DIR/<method>.yaml --quiet                                  # the same on vizrun (remove DIR/out first)

Random weights from a fixed seed (nothing is downloaded), one 224x224 input; two threads. Time each
with `/usr/bin/time -f "%e s, %M KB"`; see Docs/performance.md.
"""

import os
import sys
import time

import numpy as np
import torch
import torchvision

RUNS = {
    "scorecam": "{visualizer: gradcam, name: scorecam, layer: layer4, method: scorecam}",
    "ablationcam": "{visualizer: gradcam, name: ablationcam, layer: layer4, method: ablationcam}",
    "ig": "{visualizer: saliency, name: ig, method: integrated_gradients}",
}


def export(folder):
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    x = torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    torch.onnx.export(model, (x,), os.path.join(folder, "resnet18.onnx"), dynamo=False, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}})
    torch.save(model.state_dict(), os.path.join(folder, "resnet18.pt"))
    np.save(os.path.join(folder, "input.npy"), np.ascontiguousarray(x.numpy().transpose(0, 2, 3, 1)))
    for method, run in RUNS.items():
        with open(os.path.join(folder, f"{method}.yaml"), "w") as handle:
            handle.write(f"model: resnet18.onnx\ninput:\n  images: [input.npy]\noutput:\n  dir: out\nruns:\n  - {run}\n")


def reference(method, folder):
    torch.set_num_threads(2)
    model = torchvision.models.resnet18(weights=None).eval()
    model.load_state_dict(torch.load(os.path.join(folder, "resnet18.pt")))
    x = torch.from_numpy(np.load(os.path.join(folder, "input.npy")).transpose(0, 3, 1, 2).copy())
    start = time.time()
    target = int(model(x).argmax())
    if method == "ig":
        from captum.attr import IntegratedGradients
        IntegratedGradients(model).attribute(x, target=target, n_steps=50, internal_batch_size=32)
    else:
        from pytorch_grad_cam import AblationCAM, ScoreCAM
        from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
        if method == "scorecam":
            cam = ScoreCAM(model, [model.layer4])
            cam.batch_size = 32
        else:
            cam = AblationCAM(model, [model.layer4], batch_size=32)
        cam(input_tensor=x, targets=[ClassifierOutputTarget(target)])
    print(f"{method}: {time.time() - start:.2f} s after loading")


if __name__ == "__main__":
    command, folder = sys.argv[1], sys.argv[2]
    export(folder) if command == "export" else reference(command, folder)
