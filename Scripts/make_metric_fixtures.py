#!/usr/bin/env python3
"""Write vizrun's faithfulness-metric fixtures into Tests/Fixtures/metrics/.

Tooling only: vizrun never runs Python. The network and input are make_attribution_fixtures.py's
(Tests/Fixtures/attribution/model.onnx and input.npy, the same seeded weights); the maps scored are
three of its references and one made here:

    ig        Captum's Integrated Gradients (Gauss-Legendre, zero baseline) summed over channels
    rise      the RISE paper's saliency
    gradcam   pytorch-grad-cam's Grad-CAM at relu4, its own result (ReLU, scaled, resized): many
              pixels tie at 0, which ROAD's thresholds handle and deletion's sort order does not
              pin down, so it is scored by ROAD only
    ramp      a smooth ramp with one bump, no ties

and what the reference tools give for them, with the class the input looks most like, scored by its
logit (the model's output):

    Xplique 2.0.2   Deletion and Insertion (CausalFidelity: pixels flipped in order of the map
                    (np.argsort(...)[::-1]) at np.linspace(0, H*W, steps + 1) as int32, the AUC
                    mean(s[:-1] + s[1:]) / 2), the PyTorch network through xplique's TorchWrapper,
                    baseline 0.0 and the RISE paper's blur (its gkern(11, 5) and conv2d, padding 5)
    grad-cam 1.5.7  ROADCombined (percentiles 10..90; ROADLeastRelevantFirstAverage minus
                    ROADMostRelevantFirstAverage, halved), with the imputer's noise switched off
                    (noise 0) and with its torch.randn_like replaced by stored standard-normal
                    fields (road_noise.npy, one (H, W, C) field per imputation in the order the
                    tool imputes: least relevant first at 10..90, then most relevant first)

    Tests/Fixtures/metrics/
        map_<name>.npy        (32, 32) the maps
        blurred.npy           (1, 32, 32, 3) the blurred baseline of the input
        road_noise.npy        (18, 32, 32, 3) the stored noise fields
        reference.json        the scores, the curves, the parameters

Deterministic: seeded numpy RandomState, one thread, deterministic algorithms; two runs give
byte-identical files.

Usage:  python3 Scripts/make_metric_fixtures.py
        (pip install grad-cam==1.5.7 xplique==2.0.2 tensorflow-probability deprecated einops;
        make_attribution_fixtures.py's fixtures must be in place)
"""

import json
import os
import warnings

import numpy as np
import torch
from scipy.ndimage import gaussian_filter

from make_attribution_fixtures import nhwc, seeded_model  # same folder

warnings.filterwarnings("ignore")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

import tensorflow as tf  # noqa: E402  (after the environment is set)
from pytorch_grad_cam.metrics import road  # noqa: E402
from pytorch_grad_cam.metrics.road import ROADCombined  # noqa: E402
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget  # noqa: E402
from xplique.metrics import Deletion, Insertion  # noqa: E402
from xplique.wrappers import TorchWrapper  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ATTRIBUTION = os.path.join(ROOT, "Tests", "Fixtures", "attribution")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "metrics")
SEED = 20260118
SIZE = 32
PERCENTILES = [10, 20, 30, 40, 50, 60, 70, 80, 90]


def gkern(klen, nsig):
    """RISE's blur kernel (github.com/eclique/RISE, evaluation.py): a Dirac smoothed by
    scipy's gaussian_filter, one per channel."""
    inp = np.zeros((klen, klen))
    inp[klen // 2, klen // 2] = 1
    k = gaussian_filter(inp, nsig)
    kern = np.zeros((3, 3, klen, klen))
    for c in range(3):
        kern[c, c] = k
    return torch.from_numpy(kern.astype("float32"))


def blurred(x_nhwc):
    """RISE's `blur = lambda x: nn.functional.conv2d(x, kern, padding=klen // 2)`, klen 11, ksig 5."""
    x = torch.from_numpy(np.ascontiguousarray(np.asarray(x_nhwc, dtype=np.float32).transpose(0, 3, 1, 2)))
    with torch.no_grad():
        return nhwc(torch.nn.functional.conv2d(x, gkern(11, 5), padding=5).numpy())


class StoredNoise:
    """Stands in for torch.randn_like inside the ROAD imputer: the next stored field at the pixels
    being imputed, as the (C, N) tensor the imputer adds."""

    def __init__(self, fields):
        self.fields, self.count, self.mask = fields, 0, None

    def imputer_call(self, original):
        def call(imputer, img, mask):
            self.mask = mask.numpy().reshape(-1)
            return original(imputer, img, mask)
        return call

    def randn_like(self, tensor):
        field = self.fields[self.count].reshape(-1, self.fields.shape[-1])  # (H*W, C)
        self.count += 1
        values = field[self.mask == 0].T
        assert values.shape == tuple(tensor.shape)
        return torch.from_numpy(np.ascontiguousarray(values))


def road_score(model, x, cam, target, noise):
    """ROADCombined on one map; noise None switches the imputer's noise off, else the stored fields."""
    if noise is None:
        original = road.NoisyLinearImputer.__init__.__defaults__
        road.NoisyLinearImputer.__init__.__defaults__ = (0.0, road.neighbors_weights)
        try:
            return float(ROADCombined(PERCENTILES)(x, cam[None], [ClassifierOutputTarget(target)], model)[0])
        finally:
            road.NoisyLinearImputer.__init__.__defaults__ = original
    stored = StoredNoise(noise)
    original_call, original_randn = road.NoisyLinearImputer.__call__, road.torch.randn_like
    road.NoisyLinearImputer.__call__ = stored.imputer_call(original_call)
    road.torch.randn_like = stored.randn_like
    try:
        score = float(ROADCombined(PERCENTILES)(x, cam[None], [ClassifierOutputTarget(target)], model)[0])
    finally:
        road.NoisyLinearImputer.__call__, road.torch.randn_like = original_call, original_randn
    assert stored.count == 2 * len(PERCENTILES)
    return score


def main():
    # Everything but the README is written anew.
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        if name != "README.md":
            os.remove(os.path.join(OUT, name))
    model = seeded_model()
    x_nhwc = np.load(os.path.join(ATTRIBUTION, "input.npy"))
    x = torch.from_numpy(np.ascontiguousarray(x_nhwc.transpose(0, 3, 1, 2)))
    with torch.no_grad():
        logits = model(x)[0].numpy()
    assert np.allclose(logits, np.load(os.path.join(ATTRIBUTION, "logits.npy"))[0], atol=1e-6), "stale attribution fixtures"
    top = int(logits.argmax())
    reference_json = json.load(open(os.path.join(ATTRIBUTION, "reference.json")))

    maps = {}
    ig = next(e for e in reference_json["integrated_gradients"]
              if e["method"] == "gausslegendre" and e["baseline"] == "zero" and e["class"] == top)
    maps["ig"] = np.load(os.path.join(ATTRIBUTION, ig["attributions"] + ".npy"))[0].sum(axis=-1)
    maps["rise"] = np.load(os.path.join(ATTRIBUTION, reference_json["rise"]["map"] + ".npy"))
    gradcam = next(c for c in reference_json["cams"] if c["method"] == "gradcam")
    maps["gradcam"] = np.load(os.path.join(ATTRIBUTION, gradcam["final"] + ".npy"))
    rows, cols = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    maps["ramp"] = (cols / SIZE + np.sqrt(0.2) * rows / SIZE + np.exp(-((rows - 20) ** 2 + (cols - 9) ** 2) / 30))
    files = {}
    for name, array in maps.items():
        maps[name] = np.ascontiguousarray(array, dtype=np.float32)
        np.save(os.path.join(OUT, f"map_{name}.npy"), maps[name])
        files[name] = f"map_{name}"

    blur = blurred(x_nhwc)
    np.save(os.path.join(OUT, "blurred.npy"), blur)
    noise = np.random.RandomState(SEED).standard_normal((2 * len(PERCENTILES), SIZE, SIZE, 3)).astype(np.float32)
    np.save(os.path.join(OUT, "road_noise.npy"), noise)

    wrapped = TorchWrapper(model, device="cpu", is_channel_first=True)
    targets = np.eye(len(logits), dtype=np.float32)[[top]]
    causal = []
    for name in ["ig", "rise", "ramp"]:
        assert len(np.unique(maps[name])) == maps[name].size, f"{name}: ties leave deletion's order open"
        for baseline_name, baseline in [("zero", 0.0), ("blurred", blurred)]:
            for steps in [10, 100]:
                for metric_name, metric in [("deletion", Deletion), ("insertion", Insertion)]:
                    metric_object = metric(wrapped, x_nhwc, targets, batch_size=64, baseline_mode=baseline, steps=steps)
                    curve = metric_object.detailed_evaluate(maps[name][None])
                    causal.append({"map": name, "metric": metric_name, "baseline": baseline_name, "steps": steps,
                                   "auc": float(metric_object.evaluate(maps[name][None])),
                                   "curve": [float(v) for v in curve.values()]})

    roads = []
    for name in maps:
        roads.append({"map": name, "noise": 0.0, "road": road_score(model, x, maps[name], top, None)})
        roads.append({"map": name, "noise": 0.01, "road": road_score(model, x, maps[name], top, noise)})

    reference = {
        "model": "attribution/model.onnx", "input": "attribution/input.npy", "class": top, "score": "logit",
        "maps": files, "blurred": "blurred", "road_noise": "road_noise", "percentiles": PERCENTILES,
        "causal": causal, "road": roads,
        "versions": {"torch": torch.__version__, "tensorflow": tf.__version__,
                     "xplique": __import__("importlib.metadata").metadata.version("xplique"),
                     "grad-cam": __import__("importlib.metadata").metadata.version("grad-cam")},
    }
    with open(os.path.join(OUT, "reference.json"), "w") as handle:
        json.dump(reference, handle, indent=1)
    size_kb = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT) if f != "README.md") / 1024
    print(f"metrics: class {top}, {len(causal)} deletion/insertion and {len(roads)} ROAD scores, {size_kb:.0f} KB")


if __name__ == "__main__":
    main()
