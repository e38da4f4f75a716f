#!/usr/bin/env python3
"""Measures how much of a run's wall time is bookkeeping (journal, manifest, report, staging,
resume lookup) rather than the runs' own work, as a user would see it.

    swift build -c release --product vizrun        # or the tests' build: -Xswiftc -enable-testing
    python3 Scripts/measure_bookkeeping.py [--photos 8,32] [--repeat 3] [--cache DIR] [--keep DIR]

Builds keras.applications.MobileNetV2(input_shape=(96, 96, 3), weights=None) with a fixed seed
once (tf-keras, cached outside the repository, by default in ~/.cache/vizrun-bench), writes N
distinct photos cut from the repository's CC0 photos (Configs/images: crops at different places
and sizes, mirrored every other one), and runs `vizrun CONFIG --quiet` with `activations, layers:
all` over them, a fresh output folder each time. For each count it prints the wall time, the
runs' own time (the manifest's `runs[].seconds`: passes, drawing, arrays; and `write_seconds`:
encoding and writing their pictures), the time `vizrun validate` takes on the same config
(loading the model and decoding every input, which a run also does before any run starts), and
what remains, the bookkeeping (journal, manifest, report, staging, resume lookup):

    other = wall - runs - writes - validate        share = other / wall

The best of `--repeat` runs counts (the machine is shared). Each run writes a folder of its own,
as a new experiment does (all removed at the end unless `--keep`). `--same-folder` instead deletes
the previous run's folder just before each run, as `rm -rf out && vizrun ...` does: on ext4
without a journal the kernel then skips every inode freed in the last 5-10 seconds when it creates
a file (`recently_deleted`), work that is the kernel's, not vizrun's. `--perf` also records a
profile of the largest count with `perf record -g` and prints its top symbols. Tooling only:
vizrun itself never needs Python.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIZRUN = os.path.join(ROOT, ".build", "release", "vizrun")
PHOTOS = [os.path.join(ROOT, "Configs", "images", name) for name in ("chelsea.jpg", "coffee.png")]
SIDE = 96


def model_path(cache):
    """MobileNetV2 at 96x96 with random weights, built once."""
    path = os.path.join(cache, "mobilenetv2_96.h5")
    if not os.path.exists(path):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
        import tf_keras as keras
        keras.utils.set_random_seed(0)
        os.makedirs(cache, exist_ok=True)
        model = keras.applications.MobileNetV2(input_shape=(SIDE, SIDE, 3), weights=None)
        model.save(path + ".partial", save_format="h5")
        os.replace(path + ".partial", path)
        print(f"built {path}", file=sys.stderr)
    return path


def write_photos(folder, count):
    """`count` distinct photos: crops of the CC0 photos at seeded places and sizes, every other one mirrored."""
    os.makedirs(folder)
    sources = [Image.open(path).convert("RGB") for path in PHOTOS]
    rng = np.random.default_rng(0)
    for index in range(count):
        source = sources[index % len(sources)]
        side = int(rng.integers(min(source.size) // 3, min(source.size)))
        left = int(rng.integers(0, source.width - side + 1))
        top = int(rng.integers(0, source.height - side + 1))
        photo = source.crop((left, top, left + side, top + side))
        if index % 4 >= 2:
            photo = photo.transpose(Image.FLIP_LEFT_RIGHT)
        photo.save(os.path.join(folder, f"photo_{index:03d}.jpg"), quality=92)


def write_config(path, model, images, output):
    with open(path, "w") as f:
        f.write(f"""model: {model}
input:
  images: [{images}]
  preset: tf
output:
  dir: {output}
runs:
  - visualizer: activations
    layers: all
""")


def timed(command):
    started = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr}")
    return time.perf_counter() - started


def measure(scratch, count, model, images, repeat, same_folder):
    """Best wall time of `repeat` runs with that run's manifest, and the last run's folder. Without
    `same_folder` every run writes a new folder, and nothing is deleted until the end."""
    best = None
    for attempt in range(repeat):
        output = os.path.join(scratch, f"out_{count}" if same_folder else f"out_{count}_{attempt}")
        config = os.path.join(scratch, f"mobilenetv2_{count}.yaml")
        write_config(config, model, images, output)
        shutil.rmtree(output, ignore_errors=True)
        wall = timed([VIZRUN, config, "--quiet"])
        with open(os.path.join(output, "manifest.json")) as f:
            manifest = json.load(f)
        if best is None or wall < best[0]:
            best = (wall, manifest)
    validate = min(timed([VIZRUN, "validate", config]) for _ in range(repeat))
    return best[0], best[1], validate, output


def profile(scratch, model, images, output, same_folder):
    """Profiles one more run: into the last measured run's folder deleted just before, or a new one."""
    if same_folder:
        shutil.rmtree(output, ignore_errors=True)
    else:
        output += "_profile"
    config = os.path.join(scratch, "profile.yaml")
    write_config(config, model, images, output)
    data = os.path.join(scratch, "perf.data")
    subprocess.run(["perf", "record", "-F", "999", "-g", "-o", data, VIZRUN, config, "--quiet"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--percent-limit", "1.5", "--stdio",
                             "-g", "none", "--sort", "symbol"], capture_output=True, text=True).stdout
    print("\n".join(line for line in report.splitlines() if line and not line.startswith("#")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", default="8,32")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", default=os.path.join(os.path.expanduser("~"), ".cache", "vizrun-bench"))
    parser.add_argument("--keep", help="write the photos, configs and outputs here and leave them")
    parser.add_argument("--same-folder", action="store_true",
                        help="delete the previous run's folder just before each run and write it again")
    parser.add_argument("--perf", action="store_true", help="profile the largest count with perf")
    args = parser.parse_args()
    if not os.path.exists(VIZRUN):
        sys.exit(f"build vizrun first: {VIZRUN} is missing")
    model = model_path(args.cache)
    scratch = args.keep or tempfile.mkdtemp(prefix="vizrun-bookkeeping-")
    counts = [int(count) for count in args.photos.split(",")]
    print("photos  artifacts  wall s  runs s  writes s  validate s  other s  other share")
    try:
        for count in counts:
            images = os.path.join(scratch, f"photos_{count}")
            if not os.path.exists(images):
                write_photos(images, count)
            wall, manifest, validate, output = measure(
                scratch, count, model, images, args.repeat, args.same_folder)
            runs = sum(run["seconds"] for run in manifest["runs"])
            writes = sum(run.get("write_seconds", 0) for run in manifest["runs"])
            artifacts = sum(len(run["artifacts"]) for run in manifest["runs"])
            other = wall - runs - writes - validate
            print(f"{count:6d}  {artifacts:9d}  {wall:6.2f}  {runs:6.2f}  {writes:8.2f}  {validate:10.2f}  {other:7.2f}"
                  f"  {other / wall:10.1%}")
        if args.perf:
            profile(scratch, model, images, output, args.same_folder)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
