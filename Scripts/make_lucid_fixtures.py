"""Fixtures for the filters visualizer's Lucid parameterisation, from lucent (torch-lucent).

For each case: seeded spectra in lucent's layout (batch, channels, h, w // 2 + 1 (+1 when w is
odd), 2), the image lucent's fft_image + to_valid_rgb make of them (transposed to (batch, h, w,
channels)), a seeded upstream gradient on that image, and the gradient of
sum(image * upstream) with respect to the spectra, from PyTorch autograd.
Writes Tests/Fixtures/lucid/<case>_{spectra,image,upstream,gradient}.npy; rerunning gives the
same bytes. Requires: pip install torch-lucent (its spatial and color modules only).
"""

import os

import numpy as np
import torch
from lucent.optvis.param.color import to_valid_rgb
from lucent.optvis.param.spatial import fft_image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "lucid")

# name: (batch, channels, h, w, decay_power, decorrelate)
CASES = {
    "even_decorrelated": (2, 3, 6, 8, 1.0, True),
    "odd_decorrelated": (1, 3, 7, 5, 1.0, True),
    "odd_plain_decay2": (1, 2, 5, 9, 2.0, False),
}


def case(name, batch, channels, h, w, decay_power, decorrelate, seed):
    torch.manual_seed(0)
    params, image_f = fft_image((batch, channels, h, w), decay_power=decay_power)
    rng = np.random.default_rng(seed)
    spectra = rng.normal(0, 0.5, params[0].shape).astype(np.float32)
    with torch.no_grad():
        params[0].copy_(torch.from_numpy(spectra))
    image = to_valid_rgb(image_f, decorrelate=decorrelate)()
    upstream = rng.uniform(-1, 1, image.shape).astype(np.float32)
    (image * torch.from_numpy(upstream)).sum().backward()
    gradient = params[0].grad.numpy()
    if w % 2 == 1:
        # lucent keeps one extra column for odd widths; irfftn never reads it.
        assert np.all(gradient[..., -1, :] == 0)
    nhwc = lambda t: np.ascontiguousarray(np.transpose(t, (0, 2, 3, 1)))
    for suffix, array in [
        ("spectra", spectra),
        ("image", nhwc(image.detach().numpy())),
        ("upstream", nhwc(upstream)),
        ("gradient", gradient),
    ]:
        np.save(os.path.join(OUT, f"{name}_{suffix}.npy"), array.astype(np.float32))


def main():
    os.makedirs(OUT, exist_ok=True)
    for seed, (name, args) in enumerate(sorted(CASES.items())):
        case(name, *args, seed=seed)


if __name__ == "__main__":
    main()
