#!/usr/bin/env python3
"""Times vizrun (release build) against the equivalent Keras script, side by side on this machine.

    make bench            # or: python3 Scripts/benchmark.py [--repeat N]

Each job runs as a fresh process, end to end (start-up, model load, image load, compute, PNG
writing); the table reports the median wall time and the peak resident memory of each, and the
ratio. Keras columns are blank when TensorFlow/tf-keras are not installed. Tooling only: vizrun
itself never needs Python.
"""
import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIZRUN = os.path.join(ROOT, ".build", "release", "vizrun")


def measure(command, env=None):
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    stderr = process.stderr.read().decode(errors="replace")
    if status != 0:
        sys.exit(f"benchmark command failed: {' '.join(command)}\n{stderr}")
    return seconds, usage.ru_maxrss / 1024


def median_of(command, repeat, env=None):
    runs = [measure(command, env) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def have_keras():
    return all(importlib.util.find_spec(m) is not None for m in ("tensorflow", "tf_keras", "matplotlib"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not os.path.exists(VIZRUN):
        sys.exit("build first: swift build -c release --product vizrun")
    work = tempfile.mkdtemp(prefix="vizrun-bench-")
    try:
        config = os.path.join(work, "seed.yaml")
        with open(os.path.join(ROOT, "Configs", "seed.yaml")) as source:
            text = source.read()
        text = text.replace("models/", os.path.join(ROOT, "Configs", "models") + "/")
        text = text.replace("images/", os.path.join(ROOT, "Configs", "images") + "/")
        text = text.replace("../out/seed", os.path.join(work, "vizrun-out"))
        with open(config, "w") as target:
            target.write(text)
        rows = []
        viz = median_of([VIZRUN, config, "--quiet", "--force"], args.repeat)
        keras = None
        if have_keras():
            keras = median_of([sys.executable, os.path.join(ROOT, "Scripts", "benchmarks", "keras_seed_activations.py"),
                               os.path.join(ROOT, "Configs", "models", "scenes_convnet.h5"),
                               os.path.join(ROOT, "Configs", "images", "chelsea.jpg"),
                               os.path.join(work, "keras-out")], max(1, min(args.repeat, 3)))
        rows.append(("seed activations (8 layers, 1 image, grids to PNG)", viz, keras))
        print(f"{'job':52} {'vizrun s':>9} {'Keras s':>9} {'ratio':>7} {'vizrun MB':>10} {'Keras MB':>9}")
        for job, (vs, vm), other in rows:
            ks, km = other if other else (float("nan"), float("nan"))
            ratio = ks / vs if other else float("nan")
            print(f"{job:52} {vs:9.3f} {ks:9.3f} {ratio:6.1f}x {vm:10.0f} {km:9.0f}")
        print(f"(median of {args.repeat} runs each for vizrun; cores: {os.cpu_count()})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
