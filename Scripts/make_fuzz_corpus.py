#!/usr/bin/env python3
"""Seed corpora for the fuzz targets (Tests/Fuzz, Docs/fuzzing.md), made from the committed fixtures.

Writes <out>/<Target>/ for every target (default out: .build-fuzz/corpus). Deterministic: the same
checkout gives the same files. Fixtures over 128 KB are left out (libFuzzer's inputs stay small and
fast). Targets that read several formats take the format from the first byte, as their source says.
The Journal seeds are the journal and manifest of a real run of Tests/Fuzz/Readers/journal-run.yaml, made
with the vizrun given by --vizrun (default .build/release/vizrun).
"""
import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures"
LIMIT = 128 * 1024


def small(paths):
    return sorted(p for p in paths if p.stat().st_size <= LIMIT)


def seed(folder, name, data):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def label(path):
    return str(path.relative_to(ROOT)).replace("/", "_")


def model_files(out):
    for path in small(FIXTURES.rglob("*.h5")):
        seed(out / "HDF5Model", label(path), path.read_bytes())
    for path in small(FIXTURES.rglob("*.keras")):
        seed(out / "KerasArchive", label(path), path.read_bytes())
    for path in small(FIXTURES.glob("onnx/*/model.onnx")):
        seed(out / "ONNXModel", label(path), b"\x00" + path.read_bytes())
    data = FIXTURES / "onnx" / "mix2_dynamo" / "model.onnx.data"
    seed(out / "ONNXModel", label(data), b"\x01" + data.read_bytes())


def raw_files(out):
    for path in sorted(FIXTURES.glob("raw/*/*.yaml")):
        text = path.read_bytes()
        seed(out / "RawArchitecture", label(path), b"\x00" + text)
        as_json = json.dumps(yaml.safe_load(text), indent=1).encode()
        seed(out / "RawArchitecture", label(path) + ".json", b"\x01" + as_json)
    # The order of RawWeightsFuzz.formats.
    weights = ["raw/keras/k2_sequential.safetensors", "raw/keras/k2_functional.npz",
               "raw/pytorch/npy/conv1.weight.npy", "raw/pytorch/model.bin"]
    for way, name in enumerate(weights):
        seed(out / "RawWeights", name.replace("/", "_"), bytes([way]) + (FIXTURES / name).read_bytes())
    for path in small(FIXTURES.glob("raw/pytorch/npy/*.npy")):
        seed(out / "RawWeights", label(path), b"\x02" + path.read_bytes())


def images(out):
    for path in small([*FIXTURES.glob("images/*.jpg"), *FIXTURES.glob("images/*.png"),
                       *(ROOT / "Configs" / "images").glob("*.[jp][pn]g")]):
        seed(out / "Image", label(path), path.read_bytes())


def configs(out):
    """The committed configs, their model and inputs replaced by the files beside the fuzzed config."""
    paths = sorted([*(ROOT / "Configs").glob("*.yaml"), *(ROOT / "Docs").rglob("*.yaml"),
                    ROOT / "Tests" / "Fuzz" / "Readers" / "journal-run.yaml"])
    for path in paths:
        document = yaml.safe_load(path.read_text())
        if not isinstance(document, dict) or "runs" not in document:
            continue
        document["model"] = {"path": "model.h5", "labels": "labels.txt"}
        document.setdefault("input", {})["images"] = ["photo.jpg", "photo.png"]
        document["input"]["size"] = [32, 32]
        document.pop("plugins", None)
        seed(out / "RunConfig", label(path), yaml.safe_dump(document, sort_keys=False).encode())


def journals(out, vizrun):
    with tempfile.TemporaryDirectory() as scratch:
        folder = pathlib.Path(scratch)
        shutil.copy(FIXTURES / "models" / "k2_sequential" / "model.h5", folder / "model.h5")
        shutil.copy(FIXTURES / "images" / "photo_baseline.jpg", folder / "photo.jpg")
        shutil.copy(FIXTURES / "images" / "photo_rgb.png", folder / "photo.png")
        (folder / "labels.txt").write_text("a\nb\nc\nd\ne\n")
        shutil.copy(ROOT / "Tests" / "Fuzz" / "Readers" / "journal-run.yaml", folder / "run.yaml")
        subprocess.run([str(vizrun), "--quiet", str(folder / "run.yaml")], check=True)
        journal = (folder / "shard" / ".vizrun-journal.jsonl").read_bytes()
        manifest = (folder / "shard" / "manifest.json").read_bytes()
    seed(out / "Journal", "journal.jsonl", b"\x00" + journal)
    seed(out / "Journal", "manifest.json", b"\x01" + manifest)
    # A journal cut short inside its last line, as a killed run leaves it.
    seed(out / "Journal", "journal_cut.jsonl", b"\x00" + journal[: len(journal) - 40])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / ".build-fuzz" / "corpus"))
    parser.add_argument("--vizrun", default=str(ROOT / ".build" / "release" / "vizrun"))
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    model_files(out)
    raw_files(out)
    images(out)
    configs(out)
    journals(out, pathlib.Path(args.vizrun))
    for target in sorted(p for p in out.iterdir() if p.is_dir()):
        print(f"{target.name}: {sum(1 for _ in target.iterdir())} seeds")


if __name__ == "__main__":
    sys.exit(main())
