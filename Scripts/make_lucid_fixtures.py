"""Fixtures for the filters visualizer's Lucid parameterisations: `fft` from lucent (torch-lucent),
`laplacian` from Lucid's definition.

For each fft case: seeded spectra in lucent's layout (batch, channels, h, w // 2 + 1 (+1 when w is
odd), 2), the image lucent's fft_image + to_valid_rgb make of them (transposed to (batch, h, w,
channels)), a seeded upstream gradient on that image, and the gradient of
sum(image * upstream) with respect to the spectra, from PyTorch autograd.
Writes Tests/Fixtures/lucid/<case>_{spectra,image,upstream,gradient}.npy.

The `laplacian` parameterisation: Lucid's laplacian_pyramid_image(shape, n_levels)
(lucid/optvis/param/spatial.py) sums, for n = 0 … n_levels − 1, lowres_tensor(shape, (batch,
h // 2**n, w // 2**n, ch)): a learnable tensor resized to (h, w) by resize_bilinear_nd, i.e.
tf.compat.v1.image.resize_bilinear with its defaults (align_corners=False,
half_pixel_centers=False: output i reads input i * in / out, in float32, between floor and
min(ceil, in - 1)). lucent's port of lowres_tensor uses align_corners=True, a different
resampling, so the resampling here is built from TF1's rule as interpolation matrices (checked
against TensorFlow's own op) and the picture goes through lucent's to_valid_rgb as for fft; the
gradient is PyTorch autograd's. For each case: seeded levels, the image, a seeded upstream
gradient and the levels' gradient of sum(image * upstream). Levels and gradient are packed as
vizrun holds them: (batch, sum of the levels' h*w*ch), per item the levels finest first, each
(h, w, ch) row-major. Writes Tests/Fixtures/lucid/laplacian/<case>_{levels,image,upstream,gradient}.npy.

Rerunning gives the same bytes. Requires: pip install torch-lucent (its spatial and color modules only).
"""

import fixture_support  # noqa: F401  (fixes TensorFlow's threads before it is imported)

import os

import numpy as np
import tensorflow as tf
import torch
from lucent.optvis.param.color import to_valid_rgb
from lucent.optvis.param.spatial import fft_image

OUT = os.path.join(fixture_support.FIXTURES, "lucid")

# name: (batch, channels, h, w, decay_power, decorrelate)
CASES = {
    "even_decorrelated": (2, 3, 6, 8, 1.0, True),
    "odd_decorrelated": (1, 3, 7, 5, 1.0, True),
    "odd_plain_decay2": (1, 2, 5, 9, 2.0, False),
}

# name: (batch, channels, h, w, levels, decorrelate)
LAPLACIAN_CASES = {
    "even_decorrelated": (2, 3, 8, 12, 4, True),
    "odd_decorrelated": (1, 3, 7, 5, 3, True),
    "odd_plain": (1, 2, 5, 9, 3, False),
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


def tf1_resize_matrix(in_size, out_size):
    """(out, in): row i holds the weights tf.compat.v1.image.resize_bilinear gives each input index."""
    scale = np.float32(in_size) / np.float32(out_size)
    matrix = np.zeros((out_size, in_size), np.float32)
    for i in range(out_size):
        position = np.float32(i) * scale
        lower = max(int(np.floor(position)), 0)
        upper = min(int(np.ceil(position)), in_size - 1)
        fraction = position - np.floor(position)
        matrix[i, lower] += 1 - fraction
        matrix[i, upper] += fraction
    return matrix


def laplacian_case(name, batch, channels, h, w, n_levels, decorrelate, seed):
    rng = np.random.default_rng(seed)
    sizes = [(h // 2**n, w // 2**n) for n in range(n_levels)]
    levels = [rng.normal(0, 0.5, (batch, lh, lw, channels)).astype(np.float32) for lh, lw in sizes]
    tensors = [torch.from_numpy(level).requires_grad_(True) for level in levels]
    pyramid = 0
    for level, tensor, (lh, lw) in zip(levels, tensors, sizes):
        rows, columns = tf1_resize_matrix(lh, h), tf1_resize_matrix(lw, w)
        upsampled = torch.einsum("yi,bijc,xj->byxc", torch.from_numpy(rows), tensor, torch.from_numpy(columns))
        reference = tf.compat.v1.image.resize_bilinear(level, (h, w)).numpy()
        assert np.abs(upsampled.detach().numpy() - reference).max() < 1e-6, "TF1's resize_bilinear disagrees"
        pyramid = pyramid + upsampled
    image = to_valid_rgb(lambda: pyramid.permute(0, 3, 1, 2), decorrelate=decorrelate)().permute(0, 2, 3, 1)
    upstream = rng.uniform(-1, 1, image.shape).astype(np.float32)
    (image * torch.from_numpy(upstream)).sum().backward()
    packed = lambda arrays: np.concatenate([a.reshape(batch, -1) for a in arrays], axis=1)
    for suffix, array in [
        ("levels", packed(levels)),
        ("image", image.detach().numpy()),
        ("upstream", upstream),
        ("gradient", packed([t.grad.numpy() for t in tensors])),
    ]:
        np.save(os.path.join(OUT, "laplacian", f"{name}_{suffix}.npy"), np.ascontiguousarray(array, dtype=np.float32))


def main():
    os.makedirs(os.path.join(OUT, "laplacian"), exist_ok=True)
    for seed, (name, args) in enumerate(sorted(CASES.items())):
        case(name, *args, seed=seed)
    for seed, (name, args) in enumerate(sorted(LAPLACIAN_CASES.items())):
        laplacian_case(name, *args, seed=seed)


if __name__ == "__main__":
    main()
