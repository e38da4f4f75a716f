#!/usr/bin/env python3
"""Write vizrun's score-target fixtures into Tests/Fixtures/targets/.

Tooling only: vizrun never runs Python. One small seeded PyTorch network with three outputs,
exported to ONNX (TorchScript exporter), and what pytorch-grad-cam and Captum compute on it for
targets beyond a classifier's top class:

    probs         (N, 5)          softmax of a classifier head   ClassifierOutputTarget(c)
    regression    (N, 2)          a linear head, no activation   RawScoresOutputTarget on unit i
    segmentation  (N, 3, 32, 32)  dense class logits             SemanticSegmentationTarget(c, mask)

pytorch-grad-cam takes a model with one output: each reference wraps the network in a module that
returns the chosen output (for the regression unit, `regression[:, i]`, so RawScoresOutputTarget
gets the unit's raw value). Per target: Grad-CAM and Score-CAM's raw maps (get_cam_image, before
ReLU and scaling), the input gradient (Captum's Saliency, abs=False), and Captum's Integrated
Gradients (Gauss-Legendre, 16 steps, zero baseline) and Occlusion (8x8 patches every 4 pixels,
zero fill).

The network (input 32x32x3):

    conv1 3->8 relu1 (32x32) | pool1 conv2 8->16 relu2 pool2 (8x8) | conv3 16->16 relu3 (8x8)
    mean over H, W -> fc 16->5 -> softmax = probs;  fc_reg 16->2 = regression
    relu1 -> seg_conv 8->8 (3x3) seg_relu -> seg_out 8->3 (1x1) = segmentation

    Tests/Fixtures/targets/
        model.onnx, input.npy (1, 32, 32, 3), region_mask.png (32x32, white where the region is)
        <target>_gradcam.npy, <target>_scorecam.npy   (h, w) raw maps at the target's layer
        <target>_gradient.npy                          (1, 32, 32, 3) dScore/dInput
        <target>_ig.npy                                (1, 32, 32, 3) Integrated Gradients' attributions
        <target>_occlusion.npy                         (32, 32) Occlusion's map (channel 0; all are equal)
        reference.json                                 the targets, their options and the files

Deterministic: seeded generators, one thread, deterministic algorithms.

Usage:  python3 Scripts/make_target_fixtures.py   (pip install grad-cam captum pillow)
"""

import json
import os
import shutil
import warnings

import numpy as np
import torch
import torch.nn as nn
from captum.attr import IntegratedGradients, Occlusion, Saliency
from PIL import Image

from make_attribution_fixtures import nhwc, with_seeded_weights  # same folder
from pytorch_grad_cam import GradCAM, ScoreCAM
from pytorch_grad_cam.utils.model_targets import (ClassifierOutputTarget, RawScoresOutputTarget,
                                                  SemanticSegmentationTarget)

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "targets")
SEED = 20260117
SIZE = 32
IG_STEPS = 16
PATCH, STRIDE = 8, 4


class MultiOutputNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.relu1 = nn.Conv2d(3, 8, 3, padding=1), nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2, self.relu2, self.pool2 = nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)
        self.conv3, self.relu3 = nn.Conv2d(16, 16, 3, padding=1), nn.ReLU()
        self.fc, self.fc_reg = nn.Linear(16, 5), nn.Linear(16, 2)
        self.seg_conv, self.seg_relu = nn.Conv2d(8, 8, 3, padding=1), nn.ReLU()
        self.seg_out = nn.Conv2d(8, 3, 1)

    def forward(self, x):
        r1 = self.relu1(self.conv1(x))
        r3 = self.relu3(self.conv3(self.pool2(self.relu2(self.conv2(self.pool1(r1))))))
        features = r3.mean(dim=(2, 3))
        probs = torch.softmax(self.fc(features), dim=1)
        return probs, self.fc_reg(features), self.seg_out(self.seg_relu(self.seg_conv(r1)))


class Head(nn.Module):
    """The network with one output, as pytorch-grad-cam takes it."""

    def __init__(self, model, pick):
        super().__init__()
        self.model, self.pick = model, pick

    def forward(self, x):
        return self.pick(self.model(x))


def seeded_model():
    return with_seeded_weights(MultiOutputNet(), SEED)


def save(name, array):
    np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(array, dtype=np.float32))
    return name


def raw_cam(cls, head, layer, x, target):
    """get_cam_image's map (weights times activations summed over channels), before ReLU and scaling."""
    cam = cls(model=head, target_layers=[layer])
    cam(input_tensor=x, targets=[target])
    activations = cam.activations_and_grads.activations[0].numpy()
    grads = cam.activations_and_grads.gradients[0].numpy() if cam.uses_gradients else None
    raw = cam.get_cam_image(x, layer, [target], activations, grads, False)[0]
    cam.activations_and_grads.release()
    return raw


README = """# Score-target fixtures

pytorch-grad-cam's and Captum's answers (Grad-CAM, Score-CAM, input gradients, Integrated
Gradients, occlusion) for targets beyond a classifier's top class (a class of one
output of a three-output network, a regression unit, a segmentation class over a box and over
`region_mask.png`) on one small seeded PyTorch network (`model.onnx`, TorchScript exporter).
Written by `Scripts/make_target_fixtures.py`; do not edit by hand. `reference.json` lists each
target's config, layer, score and arrays, and which normalisation each anchor applies.

```sh
pip install grad-cam==1.5.7 captum==0.9.0 pillow
python3 Scripts/make_target_fixtures.py     # a few seconds; rewrites this folder
```
"""


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    with open(os.path.join(OUT, "README.md"), "w") as handle:
        handle.write(README)
    model = seeded_model()
    x = torch.rand(1, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(SEED + 1))
    torch.onnx.export(model, (x,), os.path.join(OUT, "model.onnx"), dynamo=False, input_names=["input"],
                      output_names=["probs", "regression", "segmentation"],
                      dynamic_axes={"input": {0: "batch"}})
    save("input", nhwc(x.numpy()))

    # The mask: a disc and a bar, white on black; the box: a half-open [x0, x1) x [y0, y1).
    yy, xx = np.mgrid[:SIZE, :SIZE]
    mask = ((yy - 20) ** 2 + (xx - 11) ** 2 <= 36) | ((yy >= 3) & (yy < 6) & (xx >= 18))
    Image.fromarray((mask * 255).astype(np.uint8), mode="L").save(os.path.join(OUT, "region_mask.png"))
    box = [4, 6, 20, 14]
    box_mask = np.zeros((SIZE, SIZE), dtype=np.float32)
    box_mask[box[1]:box[3], box[0]:box[2]] = 1

    with torch.no_grad():
        probs, regression, segmentation = model(x)
    region_class = int((segmentation[0] * torch.from_numpy(box_mask)).sum(dim=(1, 2)).argmin())
    targets = [
        {"name": "probs_class", "output": "probs", "config": "{output: probs, class: 3}",
         "head": lambda o: o[0], "target": ClassifierOutputTarget(3), "layer": "relu3",
         "score": float(probs[0, 3])},
        {"name": "regression_unit", "output": "regression", "config": "{output: 1, target: {output: 1}}",
         "head": lambda o: o[1][:, 1], "target": RawScoresOutputTarget(), "layer": "relu3",
         "score": float(regression[0, 1])},
        {"name": "segmentation_box", "output": "segmentation",
         "config": "{output: segmentation, target: {class: %d, region: %s}}" % (region_class, box),
         "head": lambda o: o[2], "target": SemanticSegmentationTarget(region_class, box_mask), "layer": "seg_relu",
         "score": float((segmentation[0, region_class] * torch.from_numpy(box_mask)).sum())},
        {"name": "segmentation_mask", "output": "segmentation",
         "config": "{output: segmentation, target: {class: 1, region: region_mask.png}}",
         "head": lambda o: o[2], "target": SemanticSegmentationTarget(1, mask.astype(np.float32)), "layer": "relu1",
         "score": float((segmentation[0, 1] * torch.from_numpy(mask.astype(np.float32))).sum())},
    ]
    entries = []
    for entry in targets:
        head = Head(model, entry["head"]).eval()
        layer = getattr(model, entry["layer"])
        name = entry["name"]
        target = entry["target"]

        def forward(inputs, head=head, target=target):
            return torch.stack([target(output) for output in head(inputs)])

        gradient = Saliency(forward).attribute(x.clone().requires_grad_(True), abs=False).detach().numpy()
        integrated = IntegratedGradients(forward).attribute(
            x, baselines=torch.zeros_like(x), n_steps=IG_STEPS, method="gausslegendre", internal_batch_size=IG_STEPS)
        occluded = Occlusion(forward).attribute(
            x, sliding_window_shapes=(3, PATCH, PATCH), strides=(3, STRIDE, STRIDE), baselines=0.0)
        entries.append({
            "name": name, "output": entry["output"], "config": entry["config"], "layer": entry["layer"],
            "score": entry["score"],
            "gradcam": save(name + "_gradcam", raw_cam(GradCAM, head, layer, x, target)),
            "scorecam": save(name + "_scorecam", raw_cam(ScoreCAM, head, layer, x, target)),
            "gradient": save(name + "_gradient", nhwc(gradient)),
            "integrated_gradients": save(name + "_ig", nhwc(integrated.detach().numpy())),
            "occlusion": save(name + "_occlusion", occluded[0, 0].detach().numpy()),
        })

    reference = {
        "model": "model.onnx", "input": "input", "outputs": ["probs", "regression", "segmentation"],
        "box": box, "mask": "region_mask.png", "targets": entries,
        "normalisations": {
            "gradcam, scorecam": "pytorch-grad-cam get_cam_image, before ReLU and scaling; GradCAM sums "
                                 "mean(g_k) A_k over channels where vizrun's gradcam averages (the book)",
            "gradient": "Captum Saliency(abs=False): dScore/dInput, (1, H, W, 3)",
            "integrated_gradients": f"Captum IntegratedGradients, gausslegendre, n_steps {IG_STEPS}, zero "
                                    "baseline: attributions, (1, H, W, 3)",
            "occlusion": f"Captum Occlusion, window (3, {PATCH}, {PATCH}), strides (3, {STRIDE}, {STRIDE}), "
                         "baseline 0: channel 0 of the attributions, (H, W)",
        },
        "integrated_gradients": {"steps": IG_STEPS, "integration": "gausslegendre", "baseline": "zero"},
        "occlusion": {"patch": PATCH, "stride": STRIDE, "value": "zero"},
        "versions": {"torch": torch.__version__, "captum": __import__("captum").__version__,
                     "grad-cam": __import__("importlib.metadata").metadata.version("grad-cam")},
    }
    with open(os.path.join(OUT, "reference.json"), "w") as handle:
        json.dump(reference, handle, indent=1)
    size_kb = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT)) / 1024
    print(f"targets: {len(entries)} targets, {size_kb:.0f} KB")


if __name__ == "__main__":
    main()
