#!/usr/bin/env python3
"""Runs the real `vizrun` command on corrupted copies of every kind of file it reads, and counts how
each run ended (Docs/fuzzing.md, "The corruption experiment").

    python3 Scripts/corruption_experiment.py [--mutants 1000] [--jobs 2] [--kinds h5,keras,...]

Per kind, a small committed fixture (a model, an input, an architecture, a config) is copied into a
fresh folder with the other files its run needs, one file is corrupted, and `vizrun --quiet
--threads 1 config.yaml` runs there (activations of every layer, so the whole model is run and
every layer's array written). The corruptions, from one seeded generator per kind (rerunning gives
the same mutants): a truncation at every power of two below the file's size, then, alternately,
1 to 64 random bytes overwritten, and a block of 16 bytes to 4 KB overwritten with zeros, 0xFF,
random bytes or a copy of another part of the file.

Each run is one of:
  ok        exit 0, every array written is finite, nothing written outside the output folder
  error     exit 1 and one line on stderr, `vizrun: …` (a config's own report, a `vizrun: file:line:
            column: error: …` line per problem with the offending line and a caret, counts here too)
  crash     anything else: a signal, another exit status, a Swift runtime failure or fatal error,
            a stack dump or any other stderr (or any on success), a run over --timeout seconds (a hang), an array with
            NaN or infinity, a file written outside the output folder or left in the temporary folder
The mutant and the command's stderr of every crash are kept in --keep (default
.build/corruption/<kind>/) so it can be replayed. Exits 1 if any run crashed.
"""
import argparse
import concurrent.futures
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures"


def config(model, inputs, size=None, extra_model=None, layout=None):
    """A run config: activations of every layer of `model` for `inputs`, arrays written, into out/."""
    document = {
        "model": {"path": model, **(extra_model or {})},
        "input": {"images": inputs, **({"size": size} if size else {}), **({"layout": layout} if layout else {})},
        "output": {"dir": "out", "arrays": True},
        "runs": [{"visualizer": "activations", "name": "acts", "layers": "all"}],
    }
    return yaml.safe_dump(document, sort_keys=False).encode()


def generated_input(shape):
    """A deterministic preprocessed input, for models whose input no image gives (4 channels)."""
    buffer = tempfile.SpooledTemporaryFile()
    np.save(buffer, np.random.RandomState(0).rand(*shape).astype(np.float32))
    buffer.seek(0)
    return buffer.read()


# Per kind: the files of its folder (name: fixture path under Tests/Fixtures, or bytes), the file
# that is corrupted (one of a list, in turn, when several), and the config.
H5 = {"model.h5": "models/k2_sequential/model.h5", "photo.jpg": "images/photo_baseline.jpg",
      "config.yaml": config("model.h5", ["photo.jpg"], [32, 32])}
KINDS = {
    "h5": (H5, ["model.h5"]),
    "keras": ({"model.keras": "layers/k3_normalization_keras/model.keras", "input.npy": generated_input((6, 7, 4)),
               "config.yaml": config("model.keras", ["input.npy"])}, ["model.keras"]),
    "safetensors": ({"k2_sequential.yaml": "raw/keras/k2_sequential.yaml",
                     "k2_sequential.safetensors": "raw/keras/k2_sequential.safetensors",
                     "photo.jpg": "images/photo_baseline.jpg",
                     "config.yaml": config("k2_sequential.yaml", ["photo.jpg"], [32, 32])},
                    ["k2_sequential.safetensors"]),
    "npz": ({"k2_functional.yaml": "raw/keras/k2_functional.yaml", "k2_functional.npz": "raw/keras/k2_functional.npz",
             "photo.png": "images/photo_gray.png", "config.yaml": config("k2_functional.yaml", ["photo.png"], [23, 19])},
            ["k2_functional.npz"]),
    "npy": ({"model.yaml": "raw/pytorch/model.yaml", "model.safetensors": "raw/pytorch/model.safetensors",
             "input.npy": "raw/pytorch/input.npy", "config.yaml": config("model.yaml", ["input.npy"])}, ["input.npy"]),
    "architecture": ({"k2_sequential.yaml": "raw/keras/k2_sequential.yaml",
                      "k2_sequential.safetensors": "raw/keras/k2_sequential.safetensors",
                      "photo.jpg": "images/photo_baseline.jpg",
                      "config.yaml": config("k2_sequential.yaml", ["photo.jpg"], [32, 32])}, ["k2_sequential.yaml"]),
    "jpeg": ({**H5, "photo.jpg": "images/photo_baseline.jpg", "progressive.jpg": "images/photo_progressive.jpg",
              "cmyk.jpg": "images/photo_cmyk.jpg", "config.yaml": config("model.h5", ["photo.jpg"], [32, 32])},
             ["photo.jpg", "progressive.jpg", "cmyk.jpg"]),
    "png": ({**H5, "photo.png": "images/photo_rgb.png", "rgb16.png": "images/photo_rgb16.png",
             "palette.png": "images/photo_palette.png", "interlaced.png": "images/photo_interlaced.png",
             "config.yaml": config("model.h5", ["photo.png"], [32, 32])},
            ["photo.png", "rgb16.png", "palette.png", "interlaced.png"]),
    "config": (H5, ["config.yaml"]),
    "onnx": ({"model.onnx": "onnx/mix2_dynamo/model.onnx", "model.onnx.data": "onnx/mix2_dynamo/model.onnx.data",
              "photo.jpg": "images/photo_baseline.jpg", "config.yaml": config("model.onnx", ["photo.jpg"], [16, 16])},
             ["model.onnx"]),
    "onnx-data": ({"model.onnx": "onnx/mix2_dynamo/model.onnx", "model.onnx.data": "onnx/mix2_dynamo/model.onnx.data",
                   "photo.jpg": "images/photo_baseline.jpg",
                   "config.yaml": config("model.onnx", ["photo.jpg"], [16, 16])}, ["model.onnx.data"]),
}


def contents(source):
    return source if isinstance(source, bytes) else (FIXTURES / source).read_bytes()


def mutants(kind, count, seed):
    """(label, target file, mutated bytes) for `count` mutants of `kind`, from one seeded generator."""
    files, targets = KINDS[kind]
    generator = random.Random(f"{seed}/{kind}")
    for number in range(count):
        target = targets[number % len(targets)]
        original = contents(files[target])
        powers = [1 << bit for bit in range(original.__len__().bit_length()) if (1 << bit) < len(original)]
        if number < len(powers) * len(targets):
            size = ([0] + powers)[number // len(targets)]
            yield f"truncated at {size}", target, original[:size]
        elif number % 2 == 0:
            data = bytearray(original)
            changed = generator.randint(1, 64)
            for _ in range(changed):
                data[generator.randrange(len(data))] = generator.randrange(256)
            yield f"{changed} random bytes", target, bytes(data)
        else:
            data = bytearray(original)
            length = min(len(data), 1 << generator.randint(4, 12))
            start = generator.randrange(len(data) - length + 1)
            fill = generator.choice(["zeros", "0xFF", "random", "copy"])
            if fill == "zeros":
                block = bytes(length)
            elif fill == "0xFF":
                block = b"\xff" * length
            elif fill == "random":
                block = generator.randbytes(length)
            else:
                origin = generator.randrange(len(data) - length + 1)
                block = bytes(data[origin:origin + length])
            data[start:start + length] = block
            yield f"{length}-byte block of {fill} at {start}", target, bytes(data)


def is_error_report(lines):
    """One `vizrun: …` line; or a config's report: per problem a `vizrun: …: error: …` line, which may
    be followed by the offending line of the config and a line with a caret under the column."""
    index = 0
    while index < len(lines):
        if not lines[index].startswith("vizrun: "):
            return False
        index += 1
        if index + 1 < len(lines) and re.fullmatch(r" *\^ *", lines[index + 1]):
            index += 2
    return bool(lines)


def output_folder(folder):
    """The output folder the (possibly corrupted) config names, else out/."""
    try:
        document = yaml.safe_load((folder / "config.yaml").read_bytes())
        named = document["output"]["dir"]
        if isinstance(named, str) and named:
            return (folder / named).resolve()
    except Exception:
        pass
    return (folder / "out").resolve()


def run_one(vizrun, kind, label, target, data, scratch, timeout):
    """Runs vizrun on one mutant in a fresh folder; returns (outcome, detail)."""
    files, targets = KINDS[kind]
    folder = pathlib.Path(tempfile.mkdtemp(dir=scratch))
    try:
        for name, source in files.items():
            (folder / name).write_bytes(contents(source))
        # With several files to corrupt, the one corrupted is named in the config in place of the first.
        if target != "config.yaml" and target != targets[0]:
            text = (folder / "config.yaml").read_text().replace(targets[0], target)
            (folder / "config.yaml").write_text(text)
        (folder / target).write_bytes(data)
        temporary = folder / "tmp"
        temporary.mkdir()
        before = {path for path in folder.rglob("*")}
        try:
            result = subprocess.run([vizrun, "--quiet", "--threads", "1", "config.yaml"], cwd=folder, timeout=timeout,
                                    capture_output=True, env={"PATH": "/usr/bin:/bin", "TMPDIR": str(temporary),
                                                              "HOME": str(folder)})
        except subprocess.TimeoutExpired:
            return "crash", f"no end within {timeout} s"
        stderr = result.stderr.decode(errors="replace")
        lines = stderr.splitlines()
        if result.returncode < 0:
            return "crash", f"signal {-result.returncode}: {stderr[-300:]}"
        allowed = output_folder(folder)
        stray = [path for path in folder.rglob("*")
                 if path not in before and not path.is_dir() and allowed not in path.resolve().parents]
        if stray:
            return "crash", "written outside the output folder: " + ", ".join(str(p.relative_to(folder)) for p in stray)
        if result.returncode == 1:
            return ("error", lines[0]) if is_error_report(lines) else ("crash", f"exit 1: {stderr[-300:]}")
        if result.returncode != 0:
            return "crash", f"exit {result.returncode}: {stderr[-300:]}"
        if stderr.strip():
            return "crash", f"exit 0 with stderr: {stderr[-300:]}"
        for array in allowed.rglob("*.npy"):
            try:
                values = np.load(array, allow_pickle=False)
            except Exception as error:
                return "crash", f"unreadable output {array.name}: {error}"
            if values.dtype.kind == "f" and not np.isfinite(values).all():
                return "crash", f"non-finite values in {array.relative_to(folder)}"
        return "ok", ""
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vizrun", default=str(ROOT / ".build" / "release" / "vizrun"))
    parser.add_argument("--mutants", type=int, default=1000, help="mutants per kind (default 1000)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated, of: " + ", ".join(KINDS))
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60, help="seconds before a run counts as a hang")
    parser.add_argument("--keep", default=str(ROOT / ".build" / "corruption"), help="where crashing mutants are kept")
    arguments = parser.parse_args()
    kinds = arguments.kinds.split(",")
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        parser.error(f"unknown kinds: {', '.join(unknown)}")

    scratch = pathlib.Path(tempfile.mkdtemp(prefix="vizrun-corruption-"))
    keep = pathlib.Path(arguments.keep)
    rows = []
    try:
        for kind in kinds:
            files, targets = KINDS[kind]
            for target in targets:
                outcome, detail = run_one(arguments.vizrun, kind, "unchanged", target, contents(files[target]), scratch,
                                          arguments.timeout)
                if outcome != "ok":
                    sys.exit(f"{kind}: the unchanged {target} does not run ({outcome}: {detail}); fix the set-up")
            counts = {"ok": 0, "error": 0, "crash": 0}
            with concurrent.futures.ThreadPoolExecutor(arguments.jobs) as pool:
                jobs = {pool.submit(run_one, arguments.vizrun, kind, label, target, data, scratch, arguments.timeout):
                        (number, label, target, data)
                        for number, (label, target, data) in enumerate(mutants(kind, arguments.mutants, arguments.seed))}
                for job in concurrent.futures.as_completed(jobs):
                    number, label, target, data = jobs[job]
                    outcome, detail = job.result()
                    counts[outcome] += 1
                    if outcome == "crash":
                        kept = keep / kind / f"{number:05d}-{target}"
                        kept.parent.mkdir(parents=True, exist_ok=True)
                        kept.write_bytes(data)
                        kept.with_name(kept.name + ".txt").write_text(f"{label}\n{detail}\n")
                        print(f"{kind} #{number} ({label} in {target}): {detail.strip()[:300]}", file=sys.stderr)
            leftovers = list(scratch.iterdir())
            if leftovers:
                counts["crash"] += len(leftovers)
                print(f"{kind}: written beside the run folders: {leftovers}", file=sys.stderr)
                for path in leftovers:
                    shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
            rows.append((kind, sum(counts.values()), counts["ok"], counts["error"], counts["crash"]))
            print(f"{kind}: {counts}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(textwrap.dedent("""
        | kind | mutants | ok | one-line error, exit 1 | crash |
        | --- | ---: | ---: | ---: | ---: |""").strip())
    for kind, total, ok, error, crash in rows:
        print(f"| {kind} | {total:,} | {ok:,} | {error:,} | {crash:,} |")
    return 1 if any(row[4] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
