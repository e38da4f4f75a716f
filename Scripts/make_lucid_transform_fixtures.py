"""Fixtures for the filters visualizer's transforms, from lucent (torch-lucent, kornia==0.4.1).

Each case runs lucent's transforms (lucent.optvis.transform) in the order listed, with every
random choice fixed (numpy.random.choice is replaced by a list of the choices, in the order
lucent draws them), on a seeded (batch, height, width, 3) image in 0…1, then takes the
gradient of sum(output * upstream) for a seeded upstream with PyTorch autograd. Writes
Tests/Fixtures/lucid/transforms/<case>_{input,output,upstream,gradient}.npy (NHWC, float32) and
cases.json (each case's transforms and choices, as the Swift tests read them); rerunning gives
the same bytes. Requires: pip install torch-lucent kornia==0.4.1.
"""

import json
import os

import numpy as np
import torch
from lucent.optvis import transform

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "lucid", "transforms")

STANDARD_SCALES = [1 + (i - 5) / 50.0 for i in range(11)]
STANDARD_ANGLES = list(range(-10, 11)) + 5 * [0]

# name: (height, width, [(kind, parameter, choices lucent draws)])
CASES = {
    "pad_constant": (10, 9, [("pad", {"width": 3, "mode": "constant"}, [])]),
    "pad_reflect": (10, 9, [("pad", {"width": 3, "mode": "reflect"}, [])]),
    "jitter": (10, 9, [("jitter", 4, [3, 1])]),
    "scale_up": (10, 9, [("scale", [1.1], [1.1])]),
    "scale_down": (10, 9, [("scale", [0.9], [0.9])]),
    "rotate": (10, 9, [("rotate", [7], [7])]),
    "rotate_negative": (9, 9, [("rotate", [-10], [-10])]),
    "standard": (
        16,
        16,
        [
            ("pad", {"width": 12, "mode": "constant"}, []),
            ("jitter", 8, [5, 2]),
            ("scale", STANDARD_SCALES, [STANDARD_SCALES[8]]),
            ("rotate", STANDARD_ANGLES, [-4]),
            ("jitter", 4, [1, 3]),
        ],
    ),
}


def lucent_transform(kind, parameter):
    if kind == "pad":
        return transform.pad(parameter["width"], mode=parameter["mode"], constant_value=0.5)
    if kind == "jitter":
        return transform.jitter(parameter)
    if kind == "scale":
        return transform.random_scale(parameter)
    return transform.random_rotate(parameter)


def case(name, height, width, steps, seed):
    choices = [choice for _, _, drawn in steps for choice in drawn]
    original_choice = np.random.choice
    np.random.choice = lambda options: choices.pop(0)
    try:
        rng = np.random.default_rng(seed)
        image = rng.uniform(0, 1, (2, 3, height, width)).astype(np.float32)
        x = torch.from_numpy(image).requires_grad_(True)
        y = transform.compose([lucent_transform(kind, parameter) for kind, parameter, _ in steps])(x)
        assert not choices, f"{name}: lucent drew fewer choices than listed"
    finally:
        np.random.choice = original_choice
    upstream = rng.uniform(-1, 1, tuple(y.shape)).astype(np.float32)
    (y * torch.from_numpy(upstream)).sum().backward()
    nhwc = lambda t: np.ascontiguousarray(np.transpose(t, (0, 2, 3, 1)))
    for suffix, array in [
        ("input", image),
        ("output", y.detach().numpy()),
        ("upstream", upstream),
        ("gradient", x.grad.numpy()),
    ]:
        np.save(os.path.join(OUT, f"{name}_{suffix}.npy"), nhwc(array).astype(np.float32))
    return [{"kind": kind, "parameter": parameter, "choices": drawn} for kind, parameter, drawn in steps]


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    cases = {name: case(name, *args, seed=seed) for seed, (name, args) in enumerate(sorted(CASES.items()))}
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
