"""Builds the benchmark's PyTorch ResNet-50 and VGG16 on demand (torchvision's resnet50 and vgg16,
random weights and BatchNorm statistics from a fixed seed, no download) and caches them outside the
repository (default ~/.cache/vizrun-bench; never commit them):

    resnet50.onnx (+ resnet50.onnx.data)   exported with torch.onnx.export's default (dynamo) exporter,
                                            a dynamic batch axis, ~98 MB
    resnet50.pt                             the same weights as a state dict, for the PyTorch side
    vgg16.onnx (+ vgg16.onnx.data), vgg16.pt   the same for VGG16, ~528 MB

    python3 Scripts/benchmarks/make_onnx_models.py [CACHE_DIR] [ARCHITECTURE ...]

Files already present are left alone."""
import os
import subprocess
import sys

ARCHITECTURES = ("resnet50", "vgg16")
NAMES = tuple(f"{architecture}.{extension}" for architecture in ARCHITECTURES for extension in ("onnx", "pt"))


def ensure(cache, architectures=("resnet50",)):
    """Paths of the ONNX models and the state dicts in `cache`, building those of `architectures`
    that are missing in a process of its own: a child's peak memory (ru_maxrss, which the
    benchmark reports for vizrun and its peers) counts its parent's resident memory when it
    started, and an export leaves the exporter holding PyTorch and the model (about 1 GB)."""
    paths = {name: os.path.join(cache, name) for name in NAMES}
    if not all(os.path.exists(paths[f"{architecture}.{extension}"])
               for architecture in architectures for extension in ("onnx", "pt")):
        subprocess.run([sys.executable, os.path.abspath(__file__), cache, *architectures], check=True)
    return paths


def build_missing(cache, architectures):
    """Builds the models of `architectures` missing from `cache`, in this process; returns every path."""
    os.makedirs(cache, exist_ok=True)
    paths = {name: os.path.join(cache, name) for name in NAMES}
    for architecture in architectures:
        if not all(os.path.exists(paths[f"{architecture}.{extension}"]) for extension in ("onnx", "pt")):
            build(cache, architecture, paths[f"{architecture}.onnx"], paths[f"{architecture}.pt"])
    return paths


def build(cache, architecture, onnx_path, state_path):
    import torch
    import torchvision

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from make_onnx_fixtures import randomise

    model = randomise(getattr(torchvision.models, architecture)())
    torch.save(model.state_dict(), state_path + ".partial")
    os.replace(state_path + ".partial", state_path)
    # The exporter names the external data after the file it writes: export into a folder of its
    # own, then move both files into place.
    staging = onnx_path + ".partial"
    os.makedirs(staging, exist_ok=True)
    batch = torch.export.Dim("batch", min=1, max=1024)
    torch.onnx.export(model, (torch.randn(2, 3, 224, 224),), os.path.join(staging, os.path.basename(onnx_path)),
                      dynamo=True, input_names=["input"], output_names=["logits"], dynamic_shapes={"x": {0: batch}})
    for name in sorted(os.listdir(staging), reverse=True):  # the .data file first, the model last
        os.replace(os.path.join(staging, name), os.path.join(cache, name))
    os.rmdir(staging)
    print(f"built {onnx_path}", file=sys.stderr)


if __name__ == "__main__":
    from make_models import default_cache

    cache = sys.argv[1] if len(sys.argv) > 1 else default_cache()
    for path in build_missing(cache, sys.argv[2:] or ARCHITECTURES).values():
        print(path)
