#!/usr/bin/env python3
"""Measures vizrun's peak resident memory over one image and over many: it must stay flat.

    swift build -c release --product vizrun
    python3 Scripts/measure_batch_memory.py [--count 1000] [--batch-sizes 1,8] [--arrays true|false]

Writes COUNT small JPEGs (64x64, deterministic, each different: a colour gradient, a few
rectangles and noise, seeded by its index) and a config that runs `activations` (grids of three
layers) and `gradcam` on a small Keras fixture model (Tests/Fixtures/models/k2_sequential, 32x32x3
input, five classes). For each batch size it runs vizrun, a fresh process each time, over the first
image, over the first `batch_size` images (one full batch) and over all COUNT, and prints each run's
peak RSS (ru_maxrss from os.wait4), its ratio to the one-image run's, and the size of the manifest
and report, which grow with the inputs by design. Memory, not time: a busy machine is fine.
Tooling only: vizrun itself never needs Python.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIZRUN = os.path.join(ROOT, ".build", "release", "vizrun")
MODEL = os.path.join(ROOT, "Tests", "Fixtures", "models", "k2_sequential", "model.h5")
SIDE = 64


def write_images(folder, count):
    os.makedirs(folder)
    rows, columns = np.mgrid[0:SIDE, 0:SIDE] / (SIDE - 1)
    for index in range(count):
        rng = np.random.default_rng(index)
        pixels = np.stack([rows * rng.uniform(0, 255), columns * rng.uniform(0, 255),
                           (1 - rows) * rng.uniform(0, 255)], axis=-1)
        for _ in range(3):
            top, left = rng.integers(0, SIDE - 8, size=2)
            height, width = rng.integers(4, SIDE // 2, size=2)
            pixels[top:top + height, left:left + width] = rng.uniform(0, 255, size=3)
        pixels += rng.normal(0, 12, size=pixels.shape)
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
        image.save(os.path.join(folder, f"image_{index:05d}.jpg"), quality=90)


def write_config(path, images, output, batch_size, arrays):
    with open(path, "w") as f:
        f.write(f"""model: {MODEL}
input:
  images: [{images}]
  size: [32, 32]
  scale: 1/255
  batch_size: {batch_size}
output:
  dir: {output}
  arrays: {arrays}
runs:
  - visualizer: activations
    layers: [conv2d, conv2d_1, conv2d_2]
  - visualizer: gradcam
""")


def peak_rss_mb(config, scratch):
    """Peak RSS (MB) of one `vizrun CONFIG --quiet`; exits with vizrun's stderr if it fails."""
    with open(os.path.join(scratch, "stderr.txt"), "wb") as err:
        process = subprocess.Popen([VIZRUN, config, "--quiet"], stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        with open(os.path.join(scratch, "stderr.txt"), errors="replace") as f:
            sys.exit(f"vizrun failed on {config}:\n{f.read()}")
    return usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--batch-sizes", default="1,8")
    parser.add_argument("--arrays", choices=["true", "false"], default="true")
    args = parser.parse_args()
    if not os.access(VIZRUN, os.X_OK):
        sys.exit(f"{VIZRUN} is missing: run `swift build -c release --product vizrun` first")

    scratch = tempfile.mkdtemp(prefix="vizrun-memory-")
    try:
        every = os.path.join(scratch, "images")
        write_images(every, args.count)
        names = sorted(os.listdir(every))
        print(f"{args.count} {SIDE}x{SIDE} JPEGs, {os.path.relpath(MODEL, ROOT)}, activations (3 layers) + gradcam, "
              f"arrays: {args.arrays}")
        print(f"{'inputs':>7} {'batch_size':>10} {'peak RSS':>10} {'vs 1 input':>10} {'manifest':>10} {'report':>10}")
        for batch_size in (int(size) for size in args.batch_sizes.split(",")):
            one = None
            for count in sorted({1, min(batch_size, args.count), args.count}):
                images = os.path.join(scratch, f"first_{count}")
                if not os.path.isdir(images):
                    os.makedirs(images)
                    for name in names[:count]:
                        os.symlink(os.path.join(every, name), os.path.join(images, name))
                output = os.path.join(scratch, "out")
                shutil.rmtree(output, ignore_errors=True)
                config = os.path.join(scratch, "config.yaml")
                write_config(config, images, output, batch_size, args.arrays)
                peak = peak_rss_mb(config, scratch)
                one = one or peak
                manifest = os.path.getsize(os.path.join(output, "manifest.json")) / 1e6
                report = os.path.getsize(os.path.join(output, "report.html")) / 1e6
                print(f"{count:>7} {batch_size:>10} {peak:>7.1f} MB {100 * (peak / one - 1):>+9.1f}% "
                      f"{manifest:>7.2f} MB {report:>7.2f} MB", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
