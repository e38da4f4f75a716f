"""Builds the benchmark's PyTorch ResNet-50 on demand (torchvision's resnet50, random weights and
BatchNorm statistics from a fixed seed, no download) and caches it outside the repository (default
~/.cache/vizrun-bench; never commit them):

    resnet50.onnx (+ resnet50.onnx.data)   exported with torch.onnx.export's default (dynamo) exporter,
                                            a dynamic batch axis, ~98 MB
    resnet50.pt                             the same weights as a state dict, for the PyTorch side

    python3 Scripts/benchmarks/make_onnx_models.py [CACHE_DIR]

Files already present are left alone."""
import os
import sys

NAMES = ("resnet50.onnx", "resnet50.pt")


def ensure(cache):
    """Paths of the ONNX model and the state dict in `cache`, building them when one is missing."""
    os.makedirs(cache, exist_ok=True)
    paths = {name: os.path.join(cache, name) for name in NAMES}
    if all(os.path.exists(path) for path in paths.values()):
        return paths
    import torch
    import torchvision

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from make_onnx_fixtures import randomise

    model = randomise(torchvision.models.resnet50())
    torch.save(model.state_dict(), paths["resnet50.pt"] + ".partial")
    os.replace(paths["resnet50.pt"] + ".partial", paths["resnet50.pt"])
    # The exporter names the external data after the file it writes: export into a folder of its
    # own, then move both files into place.
    staging = os.path.join(cache, "resnet50.onnx.partial")
    os.makedirs(staging, exist_ok=True)
    batch = torch.export.Dim("batch", min=1, max=1024)
    torch.onnx.export(model, (torch.randn(2, 3, 224, 224),), os.path.join(staging, "resnet50.onnx"), dynamo=True,
                      input_names=["input"], output_names=["logits"], dynamic_shapes={"x": {0: batch}})
    for name in sorted(os.listdir(staging), reverse=True):  # the .data file first, the model last
        os.replace(os.path.join(staging, name), os.path.join(cache, name))
    os.rmdir(staging)
    print(f"built {paths['resnet50.onnx']}", file=sys.stderr)
    return paths


if __name__ == "__main__":
    from make_models import default_cache

    for path in ensure(sys.argv[1] if len(sys.argv) > 1 else default_cache()).values():
        print(path)
