"""Builds the benchmark's VGG16 models on demand (random weights, no download) and caches them as
legacy Keras .h5 files outside the repository (default ~/.cache/vizrun-bench; never commit them):

    vgg16_notop.h5   keras.applications.VGG16(weights=None, include_top=False)   (~59 MB)
    vgg16.h5         keras.applications.VGG16(weights=None)                      (~528 MB)
    mobilenetv2.h5   keras.applications.MobileNetV2(weights=None)                (~14 MB)
    resnet50.h5      keras.applications.ResNet50(weights=None)                   (~98 MB)

    python3 Scripts/benchmarks/make_models.py [CACHE_DIR] [NAME ...]

A file already present is left alone. Random weights come from a fixed seed, so rebuilding gives
the same file contents up to HDF5 metadata."""
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

BUILDERS = {
    "vgg16_notop.h5": lambda keras: keras.applications.VGG16(weights=None, include_top=False),
    "vgg16.h5": lambda keras: keras.applications.VGG16(weights=None),
    "mobilenetv2.h5": lambda keras: keras.applications.MobileNetV2(weights=None),
    "resnet50.h5": lambda keras: keras.applications.ResNet50(weights=None),
}


def default_cache():
    return os.path.join(os.path.expanduser("~"), ".cache", "vizrun-bench")


def ensure(cache, names):
    """Paths of the named models in `cache`, building the missing ones in a process of its own: a
    child's peak memory (ru_maxrss, which the benchmark reports for vizrun and its peers) counts
    its parent's resident memory when it started, and building leaves the builder holding
    TensorFlow and the models."""
    paths = {name: os.path.join(cache, name) for name in names}
    if not all(os.path.exists(path) for path in paths.values()):
        subprocess.run([sys.executable, os.path.abspath(__file__), cache, *names], check=True)
    return paths


def build_missing(cache, names):
    """Builds the named models missing from `cache`, in this process; returns their paths."""
    os.makedirs(cache, exist_ok=True)
    paths = {name: os.path.join(cache, name) for name in names}
    missing = [name for name, path in paths.items() if not os.path.exists(path)]
    if missing:
        import tf_keras as keras
        keras.utils.set_random_seed(0)
        for name in missing:
            model = BUILDERS[name](keras)
            partial = paths[name] + ".partial"
            model.save(partial, save_format="h5")
            os.replace(partial, paths[name])
            print(f"built {paths[name]}", file=sys.stderr)
            keras.backend.clear_session()
    return paths


if __name__ == "__main__":
    cache = sys.argv[1] if len(sys.argv) > 1 else default_cache()
    names = sys.argv[2:] or list(BUILDERS)
    for path in build_missing(cache, names).values():
        print(path)
