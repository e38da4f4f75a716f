"""Fixtures for the filters visualizer's clipped parameterisation, PyTorch Adam and objectives.

- clipped_*: Lucid's `to_valid_rgb(fft_image, decorrelate=True, sigmoid=False)` (lucent has no
  sigmoid option; Lucid's definition: the colour mean added after decorrelation, then
  `constrain_L_inf(2t - 1) / 2 + 0.5` with Lucid's custom gradient, which zeroes the gradient of
  the minimised loss at a clipped edge when `input * grad > 0`), on seeded spectra (even and odd
  widths), with the gradient of sum(image * upstream).
- adam_*: lucent's fft_image + to_valid_rgb(decorrelate=True) feeding a seeded 3×3 convolution
  and relu (`conv`), the objective lucent's `channel("conv", 1, batch=0) + channel("conv", 3,
  batch=1)`, and torch.optim.Adam(lr=0.05): the spectra before, after one step and after three.
- diversity_*: lucent's `diversity` on seeded activations (batch 3), its value and its gradient.
- direction_*: lucent's `channel_weight` (Lucid's `direction` with cossim_pow 0) on seeded
  activations and vector, its value.
Arrays are NHWC where they are images or activations, float32. Writes Tests/Fixtures/lucid/objectives/;
rerunning gives the same bytes. Requires: pip install torch-lucent kornia==0.4.1.
"""

import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from lucent.optvis import objectives
from lucent.optvis.param.color import _linear_decorrelate_color, color_mean, to_valid_rgb
from lucent.optvis.param.spatial import fft_image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "lucid", "objectives")


def nhwc(t):
    return np.ascontiguousarray(np.transpose(np.asarray(t), (0, 2, 3, 1)))


def save(name, array):
    np.save(os.path.join(OUT, name + ".npy"), np.asarray(array, dtype=np.float32))


class ConstrainLInf(torch.autograd.Function):
    """Lucid's constrain_L_inf: x / max(1, |x|), with its gradient (precondition=False)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x / torch.clamp(torch.abs(x), min=1.0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        blocked = (torch.abs(x) >= 1.0) & (x * grad > 0.0)
        return torch.where(blocked, torch.zeros_like(grad), grad)


def clipped(name, shape, seed):
    params, image_f = fft_image(shape)
    rng = np.random.default_rng(seed)
    spectra = rng.normal(0, 0.5, params[0].shape).astype(np.float32)
    with torch.no_grad():
        params[0].copy_(torch.from_numpy(spectra))
    t = _linear_decorrelate_color(image_f()) + torch.tensor(color_mean).view(1, 3, 1, 1)
    image = ConstrainLInf.apply(2 * t - 1) / 2 + 0.5
    upstream = rng.uniform(-1, 1, tuple(image.shape)).astype(np.float32)
    # Lucid minimises the negated objective: its custom gradient sees d(loss)/d(output).
    loss = -(image * torch.from_numpy(upstream)).sum()
    loss.backward()
    save(f"{name}_spectra", spectra)
    save(f"{name}_image", nhwc(image.detach()))
    save(f"{name}_upstream", nhwc(upstream))
    save(f"{name}_gradient", -params[0].grad.numpy())


def adam(seed):
    rng = np.random.default_rng(seed)
    kernel = rng.uniform(-0.5, 0.5, (4, 3, 3, 3)).astype(np.float32)
    bias = np.array([0.1, 0.2, 0.0, 0.05], dtype=np.float32)
    params, image_f = fft_image((2, 3, 12, 10))
    with torch.no_grad():
        params[0].copy_(torch.from_numpy(rng.normal(0, 0.01, params[0].shape).astype(np.float32)))
    save("adam_start", params[0].detach().numpy())
    image_f = to_valid_rgb(image_f, decorrelate=True)
    objective = objectives.channel("conv", 1, batch=0) + objectives.channel("conv", 3, batch=1)
    optimizer = torch.optim.Adam(params, lr=0.05)
    for step in range(1, 4):
        optimizer.zero_grad()
        activations = {"conv": F.relu(F.conv2d(image_f(), torch.from_numpy(kernel), torch.from_numpy(bias), padding=1))}
        objective(lambda name: activations[name]).backward()
        optimizer.step()
        if step in (1, 3):
            save(f"adam_step{step}", params[0].detach().numpy())
    save("adam_kernel", np.transpose(kernel, (2, 3, 1, 0)))  # HWIO
    save("adam_bias", bias)


def diversity(seed):
    rng = np.random.default_rng(seed)
    acts = torch.from_numpy(np.maximum(rng.normal(0, 1, (3, 5, 4, 6)), 0).astype(np.float32)).requires_grad_(True)
    value = objectives.diversity("layer")(lambda name: acts)
    value.backward()
    save("diversity_activations", nhwc(acts.detach()))
    save("diversity_gradient", nhwc(acts.grad))
    return float(value.detach())


def direction(seed):
    rng = np.random.default_rng(seed)
    acts = torch.from_numpy(rng.normal(0, 1, (2, 5, 3, 4)).astype(np.float32))
    vector = rng.normal(0, 1, 5).astype(np.float32)
    values = [float(objectives.channel_weight("layer", torch.from_numpy(vector), batch=b)(lambda name: acts)) for b in range(2)]
    save("direction_activations", nhwc(acts))
    np.save(os.path.join(OUT, "direction_vector.npy"), vector)
    return values


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    clipped("clipped_even", (1, 3, 6, 8), seed=1)
    clipped("clipped_odd", (2, 3, 7, 5), seed=2)
    adam(seed=3)
    values = {"diversity": diversity(seed=4), "direction": direction(seed=5)}
    with open(os.path.join(OUT, "values.json"), "w") as f:
        json.dump(values, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
