#!/usr/bin/env python3
"""Write vizrun's gradient fixtures into Tests/Fixtures/gradients/.

Tooling only: vizrun never runs Python. For the two small random-weight
Keras fixtures written by Scripts/make_fixtures.py (k2_sequential,
k2_functional), and for the Grad-CAM family also the demo's trained convnet
on its photo (scenes_convnet), this script computes, with tf-keras/TensorFlow:

1. Filter patterns by gradient ascent (Deep Learning with Python 5.4.2, see
   /work/shared/PROCEDURES.md section 2): the book's normalised-gradient
   ascent (first gradient, after 1 step, after 40 steps, deprocessed), the
   same loss optimised with Keras's Adam and RMSprop (10 steps each), and the
   tf-keras-vis regularisers TotalVariation2D and Norm(p=1, p=2) with their
   input gradients.
2. The Grad-CAM family (PROCEDURES.md section 3): activations and gradients
   of the target layer for two class specs and two score modes
   (probability, logit), the heatmaps of Grad-CAM, Grad-CAM++, XGrad-CAM,
   Layer-CAM and HiResCAM, vanilla saliency and SmoothGrad with a stored
   noise tensor.

    Tests/Fixtures/gradients/<model>/reference.json   index + formulas
    Tests/Fixtures/gradients/<model>/*.npy            float32 (uint8 for the deprocessed image)

Deterministic: numpy RandomState seeds, no TF randomness, op determinism on,
fixed thread counts; two runs give byte-identical files.

Usage:  python3 Scripts/make_gradient_fixtures.py
        (needs Tests/Fixtures/models/k2_*/model.h5 from Scripts/make_fixtures.py)
"""

import os
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
from fixture_support import ROOT  # before TensorFlow: it fixes threads and seeds

import json
import shutil

import numpy as np
import tensorflow as tf
import tf_keras

tf.config.experimental.enable_op_determinism()

MODELS = os.path.join(ROOT, "Tests", "Fixtures", "models")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "gradients")

ASCENT_STEPS = 40
ASCENT_STEP_SIZE = 1.0
ASCENT_EPS = 1e-5
OPT_STEPS = 10
ADAM = dict(learning_rate=0.05, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)
RMSPROP = dict(learning_rate=0.05, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False)
SMOOTHGRAD_N = 4
SMOOTHGRAD_NOISE_LEVEL = 0.15
GRADCAMPP_EPS = 1e-6      # pytorch-grad-cam grad_cam_plusplus.py: eps = 0.000001
XGRADCAM_EPS = 1e-7       # pytorch-grad-cam xgrad_cam.py: eps = 1e-7
METHODS = ["gradcam", "gradcampp", "xgradcam", "layercam", "hirescam"]
SCORES = ["probability", "logit"]

# Per model: the gradient-ascent layer, its filters, and the class specs.
CONFIG = {
    "k2_sequential": {
        "ascent_layer": "conv2d_1",          # the 2nd Conv2D (15x15x16, relu)
        "ascent_layer_rule": "the model's 2nd Conv2D layer",
        "filters": [0, 3],
        "classes": [
            {"tag": "top", "kind": "top", "description": "argmax of the model's output"},
            {"tag": "2", "kind": "index", "index": 2,
             "description": "class 2 explicitly"},
        ],
    },
    # The demo's trained convnet on its CC0 photo (the seed fixture's input): a 7x7x128 target
    # layer with non-degenerate gradients, where the random-weight models give 2x2 and 3x2 maps.
    # Grad-CAM family only; SmoothGrad with two samples keeps the fixture small.
    "scenes_convnet": {
        "model": "../../../../Configs/models/scenes_convnet.h5",
        "input": "../../models/seed/input.npy",
        "smoothgrad_n": 2,
        "classes": [
            {"tag": "top", "kind": "top", "description": "argmax of the model's output"},
            {"tag": "3", "kind": "index", "index": 3,
             "description": "class 3 ('coffee') explicitly, a low-probability class"},
        ],
    },
    "k2_functional": {
        "ascent_layer": "add",               # Add([conv2d_1, conv2d_2]), 12x10x6
        "ascent_layer_rule": "the Add layer's output (two-branch merge)",
        "filters": [0, 3],
        "classes": [
            {"tag": "1", "kind": "sigmoid_positive",
             "description": "class 1 of the single sigmoid: probability score = output[0,0], "
                            "logit score = z (the final Dense's pre-activation)"},
            {"tag": "0", "kind": "sigmoid_negative",
             "description": "class 0 of the single sigmoid: probability score = 1 - output[0,0], "
                            "logit score = -z (logit of 1 - sigmoid(z))"},
        ],
    },
}

FORMULAS = {
    "ascent": (
        "loss_b = mean_{h,w}(A[b,h,w,filters[b]]) with A = layer output (training=False); "
        "g = d(sum_b loss_b)/dx (items are independent, so g[b] = d loss_b / d x[b]); "
        "g[b] /= (sqrt(mean_{h,w,c}(g[b]^2)) + 1e-5)  [per batch item]; "
        "x += g * 1.0. All in float32 (TensorFlow ops)."
    ),
    "ascent_losses": "ascent.losses[s][b] = loss_b evaluated at the x the s-th gradient is taken at "
                     "(s = 0 is the start); losses has 41 rows: 40 steps + the loss at step40.",
    "deprocess": (
        "per batch item, in float64 from the float32 step40 item: x -= x.mean(); "
        "x /= (x.std() + 1e-5)  [population std, ddof 0]; x *= 0.1; x += 0.5; clip(0,1); "
        "x *= 255; clip(0,255); astype(uint8)  [truncation toward zero]"
    ),
    "adam": (
        "tf_keras.optimizers.Adam (tf-keras 2.21 and Keras 3.15 alike, dense gradients, "
        "adaptive_epsilon False, amsgrad False) minimising L = -(sum_b loss_b) on the raw gradient "
        "g = dL/dx (no normalisation); t = iterations + 1 (1-based); "
        "m += (g - m) * (1 - beta_1); v += (g^2 - v) * (1 - beta_2); "
        "alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t); "
        "x -= (m * alpha) / (sqrt(v) + epsilon)  [epsilon outside the sqrt, not bias-corrected]; "
        "m, v start at 0. float32."
    ),
    "rmsprop": (
        "tf_keras.optimizers.RMSprop (tf-keras 2.21 and Keras 3.15 alike, dense gradients, "
        "momentum 0, centered False) minimising L = -(sum_b loss_b) on the raw gradient g = dL/dx; "
        "v = rho * v + (1 - rho) * g^2; x -= lr * g * rsqrt(v + epsilon)  "
        "[epsilon INSIDE the square root; tf-keras uses tf.math.rsqrt, Keras 3 lr*g/sqrt(v+eps)]; "
        "v starts at 0. float32."
    ),
    "tv": (
        "tf-keras-vis TotalVariation2D (activation_maximization/regularizers.py) with weight 1.0: "
        "tv_b = tf.image.total_variation(x)[b] / (H*W*C) where tf.image.total_variation(x)[b] = "
        "sum_{h,w,c} |x[b,h+1,w,c] - x[b,h,w,c]| + sum_{h,w,c} |x[b,h,w+1,c] - x[b,h,w,c]| "
        "(all valid pairs, no cropping). tv_grad = d tv_0 / dx (d|u|/du = sign(u), sign(0) = 0)."
    ),
    "lp": (
        "tf-keras-vis Norm regulariser with weight 1.0: n_b = ||flatten(x[b])||_p / N^(1/p), "
        "N = H*W*C, ||v||_p = (sum |v_i|^p)^(1/p) (tf.norm ord=p). p=1: sum|x|/N, grad sign(x)/N; "
        "p=2: sqrt(sum x^2)/sqrt(N), grad x / (||x||_2 * sqrt(N))."
    ),
    "score_probability": "the model's final output (post softmax / sigmoid), training=False",
    "score_logit": "the final Dense's pre-activation z (the same model with the last layer's "
                   "activation replaced by linear); checked: softmax(z) / sigmoid(z) == output",
    "cam_common": (
        "A = target layer output (1,h,w,k), g = dScore/dA (1,h,w,k); each heatmap is (h,w); "
        "after the method's raw map: cam = max(cam, 0); cam /= max(cam) unless max(cam) == 0 "
        "(then all zeros). Computed in float64 from the stored float32 A and g, saved as float32."
    ),
    "cam_raw": "<method>_raw: the method's map before ReLU and scaling (as in the method formula), "
               "so that a test can check the values even where the final map is all zero",
    "gradcam": "w_k = mean_{h,w}(g[...,k]); cam = mean_k(w_k * A[...,k])  (the book: mean over channels)",
    "gradcampp": (
        "pytorch-grad-cam grad_cam_plusplus.py: g2 = g^2; g3 = g2*g; sA_k = sum_{h,w}(A[...,k]); "
        "aij = g2 / (2*g2 + sA_k*g3 + 1e-6); aij = where(g != 0, aij, 0); "
        "w_k = sum_{h,w}(max(g,0) * aij); cam = sum_k(w_k * A[...,k])"
    ),
    "xgradcam": (
        "pytorch-grad-cam xgrad_cam.py: sA_k = sum_{h,w}(A[...,k]); "
        "w_k = sum_{h,w}(g*A)[...,k] / (sA_k + 1e-7); cam = sum_k(w_k * A[...,k])"
    ),
    "layercam": "cam = sum_k(max(g,0) * A)",
    "hirescam": "cam = sum_k(g * A)",
    "saliency": "max over channels of |dScore/dInput|, shape (H,W), not normalised",
    "smoothgrad": (
        "noise = RandomState(2).normal(0, 1, (n,H,W,C)) * sigma (float64, then stored as float32 "
        "smoothgrad_noise.npy), sigma = 0.15 * (max(x) - min(x)) over the whole cam_input; "
        "x_i = cam_input + noise[i] (float32 addition of the stored arrays); "
        "smoothgrad = max over channels of mean_i |dScore/dInput(x_i)|, shape (H,W), not normalised"
    ),
}


def f32(a):
    return np.asarray(a, dtype=np.float32)


class Writer:
    def __init__(self, folder):
        self.folder = folder
        self.files = []

    def save(self, name, arr):
        np.save(os.path.join(self.folder, name), arr)
        self.files.append(name)
        return name


def model_reference(model_name):
    """The model's path relative to its gradients folder (as reference.json states it)."""
    return CONFIG[model_name].get("model", f"../../models/{model_name}/model.h5")


def load(model_name):
    path = os.path.normpath(os.path.join(OUT, model_name, model_reference(model_name)))
    if not os.path.exists(path):
        sys.exit(f"missing {path}: run python3 Scripts/make_fixtures.py first")
    return path, tf_keras.models.load_model(path, compile=False)


def logit_model(path):
    """A second copy of the model whose last layer's activation is linear."""
    m = tf_keras.models.load_model(path, compile=False)
    m.layers[-1].activation = tf_keras.activations.linear
    return m


# --------------------------------------------------------------------------
# 1. Gradient ascent

def ascent_loss(probe, x, filters):
    a = probe(x, training=False)
    per_item = [tf.reduce_mean(a[b, :, :, f]) for b, f in enumerate(filters)]
    return tf.stack(per_item)


def ascent_grad(probe, x, filters):
    with tf.GradientTape() as tape:
        tape.watch(x)
        losses = ascent_loss(probe, x, filters)
        total = tf.reduce_sum(losses)
    return losses, tape.gradient(total, x)


def normalise(g):
    rms = tf.sqrt(tf.reduce_mean(tf.square(g), axis=(1, 2, 3), keepdims=True))
    return g / (rms + ASCENT_EPS)


def deprocess(x):
    x = np.asarray(x, dtype=np.float64).copy()
    x -= x.mean()
    x /= (x.std() + 1e-5)
    x *= 0.1
    x += 0.5
    x = np.clip(x, 0, 1)
    x *= 255
    x = np.clip(x, 0, 255).astype("uint8")
    return x


def run_optimizer(opt, probe, start, filters, steps):
    var = tf.Variable(start)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_sum(ascent_loss(probe, var, filters))
        g = tape.gradient(loss, var)
        opt.apply_gradients([(g, var)])
    return f32(var.numpy())


def make_ascent(model, cfg, w):
    layer = model.get_layer(cfg["ascent_layer"])
    filters = cfg["filters"]
    probe = tf_keras.Model(model.inputs, layer.output)
    H, W, C = model.input_shape[1:]
    start = f32(np.random.RandomState(0).random_sample((2, H, W, C)) * 20 + 128)
    w.save("ascent_start.npy", start)

    x = tf.constant(start)
    losses_log = []
    for step in range(1, ASCENT_STEPS + 1):
        losses, g = ascent_grad(probe, x, filters)
        g = normalise(g)
        losses_log.append([float(v) for v in losses.numpy()])
        if step == 1:
            w.save("ascent_grad1.npy", f32(g.numpy()))
            # items are independent: item b's gradient alone equals the batch's g[b]
            for b in range(2):
                _, gb = ascent_grad(probe, tf.constant(start[b:b + 1]), [filters[b]])
                diff = float(np.max(np.abs(normalise(gb).numpy()[0] - g.numpy()[b])))
                assert diff < 1e-5, diff
        x = x + g * ASCENT_STEP_SIZE
        if step == 1:
            w.save("ascent_step1.npy", f32(x.numpy()))
    losses_log.append([float(v) for v in ascent_loss(probe, x, filters).numpy()])
    step40 = f32(x.numpy())
    w.save(f"ascent_step{ASCENT_STEPS}.npy", step40)
    w.save(f"ascent_deprocessed{ASCENT_STEPS}.npy", np.stack([deprocess(step40[b]) for b in range(2)]))

    adam = tf_keras.optimizers.Adam(**ADAM, jit_compile=False)
    adam10 = run_optimizer(adam, probe, start, filters, OPT_STEPS)
    w.save(f"ascent_adam{OPT_STEPS}.npy", adam10)
    rms = tf_keras.optimizers.RMSprop(**RMSPROP, jit_compile=False)
    rms10 = run_optimizer(rms, probe, start, filters, OPT_STEPS)
    w.save(f"ascent_rmsprop{OPT_STEPS}.npy", rms10)
    g1 = np.load(os.path.join(w.folder, "ascent_grad1.npy"))
    for b in range(2):
        assert np.any(g1[b] != 0), f"filter {filters[b]} is dead at the start"

    # Regularisers on item 0 of the start.
    x0 = tf.constant(start[:1])
    with tf.GradientTape() as tape:
        tape.watch(x0)
        tv = tf.image.total_variation(x0) / np.prod(x0.shape[1:], dtype=np.float32)
        tv0 = tv[0]
    tv_grad = tape.gradient(tv0, x0)
    lp = {}
    for p in (1, 2):
        with tf.GradientTape() as tape:
            tape.watch(x0)
            flat = tf.reshape(x0, (x0.shape[0], -1))
            n = tf.norm(flat, ord=p, axis=1) / (float(flat.shape[1]) ** (1.0 / float(p)))
            n0 = n[0]
        lp[p] = (float(n0.numpy()), f32(tape.gradient(n0, x0).numpy()))
        w.save(f"lp{p}_grad.npy", lp[p][1])
    w.save("tv_grad.npy", f32(tv_grad.numpy()))

    # float64 numpy cross-checks of the regulariser values
    s = start[:1].astype(np.float64)
    tv_np = (np.abs(np.diff(s, axis=1)).sum() + np.abs(np.diff(s, axis=2)).sum()) / s[0].size
    assert abs(tv_np - float(tv0)) < 1e-5 * tv_np, (tv_np, float(tv0))
    assert abs(np.abs(s).sum() / s.size - lp[1][0]) < 1e-5 * lp[1][0]
    assert abs(np.sqrt((s ** 2).sum()) / np.sqrt(s.size) - lp[2][0]) < 1e-5 * lp[2][0]

    return {
        "layer": cfg["ascent_layer"],
        "layer_rule": cfg["ascent_layer_rule"],
        "layer_class": type(layer).__name__,
        "layer_output_shape": list(layer.output_shape),
        "filters": filters,
        "batch": 2,
        "start": {"file": "ascent_start.npy",
                  "rule": "np.random.RandomState(0).random_sample((2,H,W,C)) * 20 + 128, "
                          "computed in float64, stored as float32 (the float32 array is the start)"},
        "book": {"step_size": ASCENT_STEP_SIZE, "epsilon": ASCENT_EPS, "steps": ASCENT_STEPS,
                 "normalisation": "per batch item",
                 "grad1": "ascent_grad1.npy", "step1": "ascent_step1.npy",
                 "step40": f"ascent_step{ASCENT_STEPS}.npy",
                 "deprocessed40": f"ascent_deprocessed{ASCENT_STEPS}.npy",
                 "deprocessed_dtype": "uint8",
                 "losses": losses_log},
        "adam": {**ADAM, "steps": OPT_STEPS, "file": f"ascent_adam{OPT_STEPS}.npy",
                 "adaptive_epsilon": False, "gradient": "raw, of L = -(sum_b loss_b)"},
        "rmsprop": {**RMSPROP, "steps": OPT_STEPS, "file": f"ascent_rmsprop{OPT_STEPS}.npy",
                    "gradient": "raw, of L = -(sum_b loss_b)"},
        "regularizers": {
            "input": "ascent_start.npy item 0, shape (1,H,W,C)",
            "weight": 1.0,
            "tv": {"value": float(tv0.numpy()), "grad": "tv_grad.npy", "formula": FORMULAS["tv"]},
            "lp1": {"p": 1, "value": lp[1][0], "grad": "lp1_grad.npy", "formula": FORMULAS["lp"]},
            "lp2": {"p": 2, "value": lp[2][0], "grad": "lp2_grad.npy", "formula": FORMULAS["lp"]},
        },
    }


# --------------------------------------------------------------------------
# 2. Grad-CAM family

def last_4d_before_flatten(model):
    idx = [i for i, l in enumerate(model.layers) if type(l).__name__ == "Flatten"][0]
    for l in reversed(model.layers[:idx]):
        if len(l.output_shape) == 4:
            return l
    raise ValueError("no 4-D layer before Flatten")


def score_fn(spec, out, top):
    kind = spec["kind"]
    if kind == "top":
        return out[:, top]
    if kind == "index":
        return out[:, spec["index"]]
    raise ValueError(kind)


def sigmoid_score(spec, out, mode):
    if spec["kind"] == "sigmoid_positive":
        return out[:, 0]
    # class 0: probability 1 - p; logit of (1 - sigmoid(z)) = -z
    return 1.0 - out[:, 0] if mode == "probability" else -out[:, 0]


def score(spec, out, mode, top):
    if spec["kind"].startswith("sigmoid"):
        return sigmoid_score(spec, out, mode)
    return score_fn(spec, out, top)


def normalise_cam(cam):
    cam = np.maximum(cam, 0)
    m = cam.max()
    return cam / m if m > 0 else np.zeros_like(cam)


def heatmaps(A, g):
    """A, g: (h,w,k) float64. Returns method -> ((h,w) final map, (h,w) raw map before ReLU)."""
    out = {}
    wk = g.mean(axis=(0, 1))
    out["gradcam"] = (A * wk).mean(axis=2)
    g2 = g ** 2
    g3 = g2 * g
    sA = A.sum(axis=(0, 1))
    aij = g2 / (2 * g2 + sA[None, None, :] * g3 + GRADCAMPP_EPS)
    aij = np.where(g != 0, aij, 0)
    wpp = (np.maximum(g, 0) * aij).sum(axis=(0, 1))
    out["gradcampp"] = (A * wpp).sum(axis=2)
    wx = (g * A).sum(axis=(0, 1)) / (sA + XGRADCAM_EPS)
    out["xgradcam"] = (A * wx).sum(axis=2)
    out["layercam"] = (np.maximum(g, 0) * A).sum(axis=2)
    out["hirescam"] = (g * A).sum(axis=2)
    return {k: (normalise_cam(v), v) for k, v in out.items()}


def input_grads(model, x, spec, mode, top):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        s = score(spec, model(xt, training=False), mode, top)
        total = tf.reduce_sum(s)
    return tape.gradient(total, xt).numpy()


def make_cam(path, model, cfg, w):
    layer = last_4d_before_flatten(model)
    H, W, C = model.input_shape[1:]
    if "input" in cfg:
        x = f32(np.load(os.path.join(w.folder, cfg["input"])))
        input_rule = f"the array {cfg['input']}"
    else:
        x = f32(np.random.RandomState(1).uniform(0.0, 1.0, (1, H, W, C)))
        input_rule = "np.random.RandomState(1).uniform(0, 1, (1,H,W,C)), stored as float32"
    w.save("cam_input.npy", x)
    smoothgrad_n = cfg.get("smoothgrad_n", SMOOTHGRAD_N)

    lmodel = logit_model(path)
    models = {"probability": model, "logit": lmodel}
    probes = {m: tf_keras.Model(mm.inputs, [mm.get_layer(layer.name).output, mm.output])
              for m, mm in models.items()}
    pred = f32(model(tf.constant(x), training=False).numpy())
    logits = f32(lmodel(tf.constant(x), training=False).numpy())
    if pred.shape[1] == 1:
        check = 1 / (1 + np.exp(-logits.astype(np.float64)))
    else:
        e = np.exp(logits.astype(np.float64) - logits.max())
        check = e / e.sum(axis=1, keepdims=True)
    assert np.max(np.abs(check - pred)) < 1e-6, (check, pred)
    w.save("cam_predictions.npy", pred)
    w.save("cam_logits.npy", logits)
    top = int(np.argmax(pred[0]))

    sigma = SMOOTHGRAD_NOISE_LEVEL * (float(x.max()) - float(x.min()))
    noise = f32(np.random.RandomState(2).normal(0, 1, (smoothgrad_n, H, W, C)) * sigma)
    w.save("smoothgrad_noise.npy", noise)

    classes = []
    for spec in cfg["classes"]:
        entry = {k: v for k, v in spec.items()}
        if spec["kind"] == "top":
            entry["resolved_index"] = top
        entry["scores"] = {}
        for mode in SCORES:
            xt = tf.constant(x)
            with tf.GradientTape() as tape:
                A, out = probes[mode](xt, training=False)
                s = score(spec, out, mode, top)
                total = tf.reduce_sum(s)
            g = tape.gradient(total, A)
            A, g = f32(A.numpy()), f32(g.numpy())
            tag = f"cam_{spec['tag']}_{mode}"
            files = {"activations": w.save(f"{tag}_activations.npy", A),
                     "grads": w.save(f"{tag}_grads.npy", g)}
            maps = heatmaps(A[0].astype(np.float64), g[0].astype(np.float64))
            for meth in METHODS:
                files[meth] = w.save(f"{tag}_{meth}.npy", f32(maps[meth][0]))
                files[meth + "_raw"] = w.save(f"{tag}_{meth}_raw.npy", f32(maps[meth][1]))
            sal = np.abs(input_grads(models[mode], x, spec, mode, top))[0].max(axis=-1)
            files["saliency"] = w.save(f"saliency_{spec['tag']}_{mode}.npy", f32(sal))
            sg = np.mean([np.abs(input_grads(models[mode], x + noise[i:i + 1], spec, mode, top))[0]
                          for i in range(smoothgrad_n)], axis=0).max(axis=-1)
            files["smoothgrad"] = w.save(f"smoothgrad_{spec['tag']}_{mode}.npy", f32(sg))
            files["score_value"] = float(total.numpy())
            files["grads_all_zero"] = bool(not np.any(g))
            entry["scores"][mode] = files
        classes.append(entry)

    return {
        "input": "cam_input.npy",
        "input_rule": input_rule,
        "predictions": "cam_predictions.npy",
        "logits": "cam_logits.npy",
        "target_layer": layer.name,
        "target_layer_rule": "the last layer with a 4-D output before Flatten (model.layers order)",
        "target_layer_class": type(layer).__name__,
        "target_layer_output_shape": list(layer.output_shape),
        "score_modes": SCORES,
        "methods": METHODS,
        "classes": classes,
        "smoothgrad": {"n": smoothgrad_n, "noise_level": SMOOTHGRAD_NOISE_LEVEL, "sigma": sigma,
                       "noise": "smoothgrad_noise.npy",
                       "sigma_rule": "sigma = 0.15 * (max(cam_input) - min(cam_input))",
                       "noise_rule": "np.random.RandomState(2).normal(0, 1, (n,H,W,C)) * sigma"},
        "file_pattern": {"activations": "cam_<tag>_<score>_activations.npy",
                         "grads": "cam_<tag>_<score>_grads.npy",
                         "heatmap": "cam_<tag>_<score>_<method>.npy",
                         "heatmap_raw": "cam_<tag>_<score>_<method>_raw.npy",
                         "saliency": "saliency_<tag>_<score>.npy",
                         "smoothgrad": "smoothgrad_<tag>_<score>.npy"},
        "gradcampp_eps": GRADCAMPP_EPS,
        "xgradcam_eps": XGRADCAM_EPS,
    }


# --------------------------------------------------------------------------

def make(model_name):
    cfg = CONFIG[model_name]
    folder = os.path.join(OUT, model_name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    w = Writer(folder)
    tf_keras.backend.clear_session()
    path, model = load(model_name)
    ascent = make_ascent(model, cfg, w) if "ascent_layer" in cfg else None
    cam = make_cam(path, model, cfg, w)
    ref = {
        "model": model_reference(model_name),
        "keras": f"tf-keras {tf_keras.__version__}, tensorflow {tf.__version__}",
        "input_shape": list(model.input_shape[1:]),
        "training": False,
        **({"ascent": ascent} if ascent else {}),
        "cam": cam,
        "formulas": FORMULAS,
        "files": sorted(w.files),
    }
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    # every file loads back
    for name in w.files:
        a = np.load(os.path.join(folder, name))
        assert a.dtype == (np.uint8 if "deprocessed" in name else np.float32), (name, a.dtype)
        assert np.all(np.isfinite(a)), name
    ascent_text = f"ascent layer {ascent['layer']} {ascent['layer_output_shape']}, " if ascent else ""
    print(f"{model_name}: {ascent_text}"
          f"cam layer {cam['target_layer']} {cam['target_layer_output_shape']}, "
          f"prediction {np.load(os.path.join(folder, 'cam_predictions.npy'))[0]}, "
          f"{len(w.files)} files")
    for c in cam["classes"]:
        for m, d in c["scores"].items():
            if d["grads_all_zero"]:
                print(f"  note: {model_name} class {c['tag']} {m}: dScore/dA is all zero")


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in CONFIG:
        make(name)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"total size of {os.path.relpath(OUT, ROOT)}: {total / 1e6:.3f} MB")
    assert total < 3e6


if __name__ == "__main__":
    main()
