#!/usr/bin/env python3
"""Write vizrun's attribution fixtures into Tests/Fixtures/attribution/.

Tooling only: vizrun never runs Python. One small seeded PyTorch CNN, exported to ONNX (TorchScript
exporter), and what the reference tools compute on the same weights and input:

    pytorch-grad-cam   Eigen-CAM, Eigen-Grad-CAM, Score-CAM, Ablation-CAM (all channels, a ratio,
                       and a layer a skip connection bypasses), guided backpropagation, and the
                       Grad-CAM that guided Grad-CAM multiplies with
    Captum             Integrated Gradients (Riemann trapezoid and Gauss-Legendre, zero and a stored
                       noise baseline), guided backpropagation, occlusion (two windows, value 0 and
                       the per-channel input mean)
    RISE (Petsiuk et al. 2018, the paper's generate_masks and its saliency formula)
                       with a stored seeded mask set, scored by PyTorch

The network (input 32x32x3, logits for 5 classes, every ReLU its own nn.ReLU module):

    conv1 3->8 relu1 pool1 (16x16) | conv2 8->16 relu2 pool2 (8x8)
    relu3 = relu(conv3(pool2))           8x8x16, bypassed by the skip below
    relu4 = relu(conv4(relu3) + pool2)   8x8x16: every path to the output passes through it
    pool3 (4x4) | relu5 = relu(conv5)    4x4x32: fewer pixels than channels
    mean over H, W | fc 32->5

    Tests/Fixtures/attribution/
        model.onnx          the network
        input.npy           (1, 32, 32, 3) the input, channels last as vizrun holds it
        logits.npy          (1, 5)
        <layer>_activations.npy, <layer>_grads_<class>.npy   (1, h, w, c) A and dLogit/dA
        cam_*.npy, ig_*.npy, occlusion_*.npy, rise_*.npy, guided_*.npy  (see reference.json)
        rise_masks.npy      (N, 32, 32) the stored RISE masks
        reference.json      every file, what made it, the parameters

Every map is stored before the tools' display scaling; reference.json says which normalisation each
anchor applies and where vizrun departs from an anchor (and why).

Deterministic: seeded torch generator and numpy RandomState, one thread, deterministic algorithms;
two runs give byte-identical .npy files.

Usage:  python3 Scripts/make_attribution_fixtures.py   (pip install grad-cam captum)
"""

import json
import os
import shutil
import warnings

import numpy as np
import torch
import torch.nn as nn
from captum.attr import GuidedBackprop, IntegratedGradients, Occlusion
from pytorch_grad_cam import AblationCAM, EigenCAM, EigenGradCAM, GradCAM, ScoreCAM
from pytorch_grad_cam.guided_backprop import GuidedBackpropReLUModel
from pytorch_grad_cam.utils.image import scale_cam_image
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from skimage.transform import resize

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "attribution")
SEED = 20260116
SIZE = 32
RISE_MASKS, RISE_GRID, RISE_KEEP = 64, 4, 0.5


class AttributionNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.relu1, self.pool1 = nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)
        self.conv2, self.relu2, self.pool2 = nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)
        self.conv3, self.relu3 = nn.Conv2d(16, 16, 3, padding=1), nn.ReLU()
        self.conv4, self.relu4 = nn.Conv2d(16, 16, 3, padding=1), nn.ReLU()
        self.pool3 = nn.MaxPool2d(2)
        self.conv5, self.relu5 = nn.Conv2d(16, 32, 3, padding=1), nn.ReLU()
        self.fc = nn.Linear(32, 5)

    def forward(self, x):
        p2 = self.pool2(self.relu2(self.conv2(self.pool1(self.relu1(self.conv1(x))))))
        r3 = self.relu3(self.conv3(p2))
        r4 = self.relu4(self.conv4(r3) + p2)
        r5 = self.relu5(self.conv5(self.pool3(r4)))
        return self.fc(r5.mean(dim=(2, 3)))


def seeded_model():
    return with_seeded_weights(AttributionNet(), SEED)


def with_seeded_weights(model, seed):
    """Uniform weights scaled by fan-in and small biases, drawn in module order from `seed`."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                fan_in = module.weight[0].numel()
                module.weight.copy_((torch.rand(module.weight.shape, generator=generator) * 2 - 1) * (6 / fan_in) ** 0.5)
                module.bias.copy_((torch.rand(module.bias.shape, generator=generator) - 0.3) * 0.2)
    return model.eval()


def nhwc(array):
    array = np.asarray(array, dtype=np.float32)
    return np.ascontiguousarray(array.transpose(0, 2, 3, 1)) if array.ndim == 4 else np.ascontiguousarray(array)


class Writer:
    def __init__(self):
        self.files = {}

    def save(self, name, array, what):
        np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(array, dtype=np.float32))
        self.files[name] = what
        return name


def layer_values(model, layer, x, target):
    """A and dLogit[target]/dA at `layer`, NCHW."""
    store = {}
    handle = layer.register_forward_hook(lambda _m, _i, output: store.update(a=output))
    output = model(x)
    handle.remove()
    grads = torch.autograd.grad(output[0, target], store["a"])[0]
    return store["a"].detach().numpy(), grads.numpy()


def cam_outputs(cls, model, layer, x, target, **options):
    """The tool's raw map (get_cam_image, before ReLU and scaling) and its end result (ReLU, min-max
    scaling, cv2.resize to the input), plus the channel weights where the method has them."""
    cam = cls(model=model, target_layers=[layer], **options)
    targets = [ClassifierOutputTarget(target)]
    final = cam(input_tensor=x, targets=targets)[0]
    activations = cam.activations_and_grads.activations[0].numpy()
    grads = cam.activations_and_grads.gradients[0].numpy() if cam.uses_gradients else None
    weights = None
    if hasattr(cam, "get_cam_weights") and cls in (ScoreCAM, AblationCAM, GradCAM):
        weights = cam.get_cam_weights(x, layer, targets, activations, grads)[0]
    raw = cam.get_cam_image(x, layer, targets, activations, grads, False)[0]
    cam.activations_and_grads.release()
    return raw, final, weights


def oriented(projection, matrix):
    """The issue's sign rule for Eigen-CAM: the projection correlates positively with the sum of the
    decomposed matrix over channels (pytorch-grad-cam leaves the sign to the SVD)."""
    total = matrix[0].sum(axis=0)
    return projection if float((projection * total).sum()) >= 0 else -projection


def rise_masks(rng):
    """RISE's generate_masks (github.com/eclique/RISE, explanations.py), as published."""
    cell = np.ceil(np.array([SIZE, SIZE]) / RISE_GRID)
    up = ((RISE_GRID + 1) * cell).astype(int)
    grid = (rng.rand(RISE_MASKS, RISE_GRID, RISE_GRID) < RISE_KEEP).astype("float32")
    masks = np.empty((RISE_MASKS, SIZE, SIZE), dtype=np.float32)
    for i in range(RISE_MASKS):
        x, y = rng.randint(0, cell[0]), rng.randint(0, cell[1])
        masks[i] = resize(grid[i], up, order=1, mode="reflect", anti_aliasing=False)[x:x + SIZE, y:y + SIZE]
    return masks


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    model = seeded_model()
    x = torch.rand(1, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(SEED + 1))
    torch.onnx.export(model, (x,), os.path.join(OUT, "model.onnx"), dynamo=False, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}})
    writer = Writer()
    with torch.no_grad():
        logits = model(x)
    top = int(logits[0].argmax())
    other = int(logits[0].argsort()[1])  # the second-lowest logit: a class the input does not look like
    classes = [top, other]
    writer.save("input", nhwc(x.numpy()), "the input, (1, 32, 32, 3)")
    writer.save("logits", logits.numpy(), "the model's output, (1, 5)")
    layers = {"relu3": model.relu3, "relu4": model.relu4, "relu5": model.relu5}
    cams = []

    for name, layer in layers.items():
        activations, _ = layer_values(model, layer, x, top)
        writer.save(f"{name}_activations", nhwc(activations), f"A at {name}")
        for c in classes:
            _, grads = layer_values(model, layer, x, c)
            writer.save(f"{name}_grads_{c}", nhwc(grads), f"dLogit[{c}]/dA at {name}")

    def add_cam(method, cls, layer, c, tag="", **options):
        raw, final, weights = cam_outputs(cls, model, layers[layer], x, c, **options)
        if method in ("eigencam", "eigengradcam"):
            activations, grads = layer_values(model, layers[layer], x, c)
            matrix = activations if method == "eigencam" else activations * grads
            raw = oriented(raw, matrix)
            # The tool's own steps (base_cam.py) on the oriented map: ReLU, scaling and resizing
            # (compute_cam_per_layer), scaling again (aggregate_multi_layers).
            final = scale_cam_image(scale_cam_image(np.maximum(raw, 0)[None], (SIZE, SIZE)))[0]
        stem = f"cam_{method}{tag}_{layer}_{c}"
        entry = {"method": method, "layer": layer, "class": c, "options": options,
                 "raw": writer.save(stem + "_raw", raw, "get_cam_image, before ReLU and scaling"),
                 "final": writer.save(stem + "_final", final, "the tool's result: ReLU, min-max, cv2.resize, min-max")}
        if weights is not None:
            entry["weights"] = writer.save(stem + "_weights", weights, "the channel weights")
        cams.append(entry)

    for layer in ["relu4", "relu5"]:
        for c in classes:
            add_cam("eigencam", EigenCAM, layer, c)
            add_cam("eigengradcam", EigenGradCAM, layer, c)
            add_cam("scorecam", ScoreCAM, layer, c)
            add_cam("ablationcam", AblationCAM, layer, c, batch_size=5)
    add_cam("ablationcam", AblationCAM, "relu3", top, batch_size=5)
    add_cam("ablationcam", AblationCAM, "relu4", top, tag="_ratio", batch_size=5, ratio_channels_to_ablate=0.25)
    add_cam("gradcam", GradCAM, "relu4", top)

    # Guided backpropagation: pytorch-grad-cam and Captum, which agree.
    guided = GuidedBackpropReLUModel(model=model, device="cpu")(x.clone(), target_category=top)
    captum_guided = GuidedBackprop(model).attribute(x.clone().requires_grad_(True), target=top).detach().numpy()
    assert np.abs(nhwc(captum_guided)[0] - guided).max() <= 1e-6 * np.abs(guided).max()
    writer.save(f"guided_{top}", guided[None], "pytorch-grad-cam GuidedBackpropReLUModel, (1, H, W, 3)")

    # Integrated Gradients (Captum), n_steps 50, internal batch 32.
    noise = np.random.RandomState(SEED).uniform(0, 1, (1, 3, SIZE, SIZE)).astype(np.float32)
    writer.save("ig_noise_baseline", nhwc(noise), "a stored baseline, uniform(0, 1)")
    ig = IntegratedGradients(model)
    integrated = []
    for method in ["riemann_trapezoid", "gausslegendre"]:
        for baseline_name, baseline in [("zero", torch.zeros_like(x)), ("noise", torch.from_numpy(noise))]:
            for c in classes:
                attributions, delta = ig.attribute(x, baselines=baseline, target=c, n_steps=50, method=method,
                                                   internal_batch_size=32, return_convergence_delta=True)
                with torch.no_grad():
                    difference = float(model(x)[0, c] - model(baseline)[0, c])
                stem = f"ig_{method}_{baseline_name}_{c}"
                integrated.append({"method": method, "baseline": baseline_name, "class": c, "steps": 50,
                                   "attributions": writer.save(stem, nhwc(attributions.detach().numpy()),
                                                               "Captum attributions, (1, H, W, 3)"),
                                   "delta": float(delta[0]), "score_difference": difference})

    # Occlusion (Captum): the window covers every channel; Captum's map repeats over channels.
    occlusions = []
    mean = x.mean(dim=(2, 3), keepdim=True)
    for patch, stride in [(8, 4), (10, 8)]:
        for value_name, baseline in [("zero", 0.0), ("mean", mean)]:
            attributions = Occlusion(model).attribute(x, sliding_window_shapes=(3, patch, patch),
                                                      strides=(3, stride, stride), baselines=baseline, target=top)
            stem = f"occlusion_{patch}_{stride}_{value_name}_{top}"
            occlusions.append({"patch": patch, "stride": stride, "value": value_name, "class": top,
                               "map": writer.save(stem, attributions[0, 0].numpy(), "Captum Occlusion, channel 0")})

    # RISE: the paper's saliency, sum_i score_i * M_i / (N * p), with the logit as the score.
    masks = rise_masks(np.random.RandomState(SEED))
    writer.save("rise_masks", masks, f"{RISE_MASKS} RISE masks, grid {RISE_GRID}, p {RISE_KEEP}")
    with torch.no_grad():
        scores = model(x * torch.from_numpy(masks)[:, None])[:, top].numpy().astype(np.float64)
    saliency = np.tensordot(scores, masks.astype(np.float64), axes=1) / RISE_MASKS / RISE_KEEP
    rise = {"masks": "rise_masks", "count": RISE_MASKS, "grid": RISE_GRID, "keep": RISE_KEEP, "class": top,
            "map": writer.save(f"rise_{top}", saliency, "sum_i logit_i(x * M_i) M_i / (N p)")}

    reference = {
        "model": "model.onnx", "input": "input", "logits": "logits", "classes": classes,
        "layers": list(layers), "cams": cams, "guided": f"guided_{top}", "integrated_gradients": integrated,
        "occlusion": occlusions, "rise": rise,
        "normalisations": {
            "cam raw": "pytorch-grad-cam get_cam_image (weights times activations summed over channels; "
                       "Eigen: the first principal component's projection), before ReLU",
            "cam final": "pytorch-grad-cam's result: ReLU, (x - min) / (max + 1e-7), cv2.resize to 32x32, "
                         "(x - min) / (max + 1e-7) again",
            "eigen sign": "pytorch-grad-cam leaves the SVD's sign; stored with the issue's rule: the map "
                          "correlates positively with the decomposed matrix summed over channels",
            "integrated gradients": "Captum's riemann_trapezoid steps are 1/n (halved at the ends), which sum "
                                    "to (n-1)/n; vizrun's trapezoid uses 1/(n-1): expect Captum x n/(n-1)",
            "occlusion": "Captum's (score(x) - score(occluded)) averaged over the windows covering each pixel",
        },
        "versions": {"torch": torch.__version__, "captum": __import__("captum").__version__,
                     "grad-cam": __import__("importlib.metadata").metadata.version("grad-cam")},
        "files": writer.files,
    }
    with open(os.path.join(OUT, "reference.json"), "w") as handle:
        json.dump(reference, handle, indent=1)
    size_kb = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT)) / 1024
    print(f"attribution: classes {classes}, {len(writer.files)} arrays, {size_kb:.0f} KB")


if __name__ == "__main__":
    main()
