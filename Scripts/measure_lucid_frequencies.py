#!/usr/bin/env python3
"""How much of a filter pattern's energy sits in high frequencies: the book's pixel ascent against
Lucid's setting (decorrelated Fourier parameterisation, transforms, PyTorch Adam), and the same
setting with Lucid's Laplacian-pyramid parameterisation in place of the Fourier one.

Runs the release vizrun (build it first: swift build -c release --product vizrun) on the demo
convnet (Configs/models/scenes_convnet.h5, trained; input fixed at 150x150, so only the size-keeping
transforms apply), layer conv2d_2, filters 0..7, 128 steps each way (the pixel ascent starts from
uniform 0…1 noise: on the book's narrow grey start, 7 of these 8 filters never fire and would be
measured as their start), then for every pattern PNG
measures the fraction of its spectral energy (per channel, mean removed) above half the Nyquist
frequency (radial frequency > 0.25 cycles per pixel), and prints the mean and range per setting.
With --picture PATH it writes the three grids one above the other (pixel ascent on top, then
fft, then laplacian). The runs
are seeded: rerunning gives the same numbers and picture.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILTERS = list(range(8))
STEPS = 128

CONFIG = f"""
model: {ROOT}/Configs/models/scenes_convnet.h5
input:
  images: [{ROOT}/Configs/images/chelsea.jpg]
  scale: 1/255
output:
  dir: OUT
runs:
  - visualizer: filters
    name: pixel
    layer: conv2d_2
    filters: {FILTERS}
    steps: {STEPS}
    step_size: 0.02
    start: {{low: 0, high: 1, seed: 0}}
    tile: 96
    images_per_row: 8
  - visualizer: filters
    name: lucid
    layer: conv2d_2
    filters: {FILTERS}
    steps: {STEPS}
    parameterization: {{kind: fft, decorrelate: true, sigmoid: true}}
    transforms: [{{jitter: 8}}, {{rotate: [-10, 10]}}, {{jitter: 4}}]
    optimizer: {{adam: {{lr: 0.05}}}}
    start: {{seed: 0}}
    tile: 96
    images_per_row: 8
  - visualizer: filters
    name: laplacian
    layer: conv2d_2
    filters: {FILTERS}
    steps: {STEPS}
    parameterization: {{kind: laplacian, levels: 4, decorrelate: true, sigmoid: true}}
    transforms: [{{jitter: 8}}, {{rotate: [-10, 10]}}, {{jitter: 4}}]
    optimizer: {{adam: {{lr: 0.05}}}}
    start: {{seed: 0}}
    tile: 96
    images_per_row: 8
"""


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vizrun", default=os.path.join(ROOT, ".build", "release", "vizrun"))
    parser.add_argument("--picture", help="write the two grids here (PNG)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "out")
        config = os.path.join(work, "config.yaml")
        with open(config, "w") as f:
            f.write(CONFIG.replace("OUT", out))
        subprocess.run([args.vizrun, config, "--quiet"], check=True)
        grids = []
        for run in ("pixel", "lucid", "laplacian"):
            fractions = [
                high_frequency_fraction(np.asarray(Image.open(os.path.join(out, run, "conv2d_2", f"filter_{f}.png"))))
                for f in FILTERS
            ]
            print(f"{run}: high-frequency energy fraction mean {np.mean(fractions):.3f} "
                  f"(min {min(fractions):.3f}, max {max(fractions):.3f}) over filters {FILTERS[0]}..{FILTERS[-1]}")
            grids.append(Image.open(os.path.join(out, run, "conv2d_2", "grid.png")).convert("RGB"))
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
