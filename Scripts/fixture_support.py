"""What vizrun's TensorFlow fixture scripts share.

Import this module before TensorFlow: importing it fixes TensorFlow's thread counts and
Python's hash seed (so two runs write the same bytes) and silences TensorFlow's info logs,
which must happen before TensorFlow is first imported.
"""

import os

os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("PYTHONHASHSEED", "0")

import json  # noqa: E402  (after the environment above)
import re  # noqa: E402
import zipfile  # noqa: E402

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")


def safe(name):
    """A layer name as a file name: Keras names may hold '/' and ':'."""
    return re.sub(r"[/:]", "_", name)


def is_input_layer(layer):
    return type(layer).__name__ == "InputLayer"


def file_keras_version(path):
    """The Keras version a .h5 or .keras file says wrote it."""
    if path.endswith(".keras"):
        with zipfile.ZipFile(path) as z:
            return json.loads(z.read("metadata.json"))["keras_version"]
    with h5py.File(path, "r") as f:
        v = f.attrs["keras_version"]
    return v.decode() if isinstance(v, bytes) else str(v)


def input_gradient(model, x):
    """d(sum over the batch of model(x)[:, 0]) / dx, in inference mode, as float32."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        target = tf.reduce_sum(model(xt, training=False)[:, 0])
    return np.asarray(tape.gradient(target, xt), dtype=np.float32)


def dump_reference(ref):
    """Indented JSON with one line per layer entry (easy to diff and read)."""
    head = {k: v for k, v in ref.items() if k != "layers"}
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    layers = ",\n".join("    " + json.dumps(e) for e in ref["layers"])
    return "{\n" + "\n".join(lines) + '\n  "layers": [\n' + layers + "\n  ]\n}\n"
