#!/usr/bin/env python3
"""Times vizrun (release build) against the equivalent Keras, onnxruntime or PyTorch script, side by
side on this machine.

    make bench            # or: python3 Scripts/benchmark.py [--jobs seed,filters,...] [--repeat N]

Jobs (default: all):
  seed       DLwP 5.4.1: the demo convnet's first 8 layers' activations for one image, grids to PNG
  filters    DLwP 5.4.2: VGG16 (no top, random weights) block3_conv1, filters 0..7 as one batch,
             40 gradient-ascent steps at 150x150, 8 PNG patterns + grid
  gradcam    DLwP 5.4.3: VGG16 (with top, random weights) Grad-CAM at block5_conv3 for the top class,
             one 224x224 image, overlay PNG; end to end including loading the ~550 MB .h5
  all-layers every layer's activations of MobileNetV2 and ResNet50 (random weights) for 32 images,
             every convolutional layer's grid of every image to PNG (Keras: the book's grid code)
  onnx-forward  torchvision's ResNet-50 (random weights) exported to ONNX: every node's output for
             32 images as one batch; the peer is onnxruntime (compute compared, and each as a share
             of the machine's SGEMM peak)
  onnx-gradcam  the same ResNet-50: Grad-CAM at layer4 for the top class over 64 images, overlays to
             PNG; the peer is PyTorch with pytorch-grad-cam (GradCAM) on the same weights
  attribution  the same ResNet-50, and torchvision's VGG16 (random weights) exported the same way:
             Score-CAM and Ablation-CAM at layer4 (2,048 channels) and features.29 (block5_conv3, 512
             channels), perturbed copies 32 at a time, and Integrated Gradients (zero baseline, 50
             steps, 32 at a time) for the top class of --attribution-images images, maps as .npy; the
             peers are pytorch-grad-cam and Captum on the same weights, one image at a time
  lucid      Lucid-style feature visualisation: VGG16 (no top, random weights) block4_conv1, 8 channels
             as one batch at 224x224, fft + decorrelate + the standard transforms + Adam (lr 0.05), 32
             steps; the peer is lucent (torch-lucent, kornia==0.4.1) on torchvision's VGG16 (random
             weights), the whole network run each step as lucent does; compute per step compared

Each job runs as a fresh process, end to end (start-up, model load, image load, compute, PNG
writing); the table reports the median wall time and the peak resident memory (ru_maxrss from
os.wait4) of each, and the ratio peer/vizrun. A second table gives compute-only seconds where both
sides report them (vizrun: the manifest's runs[].seconds; the peer: `compute_seconds=` on stdout).
The models are built on demand with tf-keras or PyTorch (random weights, no download) and cached
outside the repository (--cache, default ~/.cache/vizrun-bench). Peer columns are blank when the
peer's Python packages (TensorFlow/tf-keras; onnxruntime; torch and grad-cam) are not installed. If vizrun fails on a job its stderr is printed and the other
jobs go on. Tooling only: vizrun itself never needs Python.
"""
import argparse
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIZRUN = os.path.join(ROOT, ".build", "release", "vizrun")
BENCH = os.path.join(ROOT, "Scripts", "benchmarks")
IMAGES = os.path.join(ROOT, "Configs", "images")
CHELSEA = os.path.join(IMAGES, "chelsea.jpg")
JOBS = ("seed", "filters", "gradcam", "all-layers", "onnx-forward", "onnx-gradcam", "attribution", "lucid")
LUCID_STEPS = 32
LUCID_LABEL = f"VGG16 block4_conv1 Lucid patterns (8 x {LUCID_STEPS} steps, 224x224; lucent)"
NAN = float("nan")
FILTERS_CONVOLUTION_SECONDS = None
QUIET_LOAD = None  # --quiet-load: the 1-minute load average a run waits for before it starts
RUN_LOADS = []  # the 1-minute load average as each timed run started
ONNX_FORWARD_LABEL = "ResNet-50 ONNX, every node, batch of 32 (onnxruntime)"
ONNX_FORWARD_GFLOP = {}  # side -> GFLOP of one forward pass of the batch, as the peer counts it

sys.path.insert(0, BENCH)
import make_models  # noqa: E402
import make_onnx_models  # noqa: E402


class Failed(Exception):
    pass


def wait_for_quiet():
    """On a machine shared with other work, waits (up to 30 minutes) until the 1-minute load average
    is below --quiet-load, so that a run does not share the cores; records the load it starts at."""
    deadline = time.monotonic() + 1800
    while QUIET_LOAD is not None and os.getloadavg()[0] >= QUIET_LOAD and time.monotonic() < deadline:
        time.sleep(10)
    RUN_LOADS.append(os.getloadavg()[0])


def measure(command, scratch, env=None):
    """Wall seconds, peak RSS (MB) and stdout of one child process; Failed carries its stderr."""
    out_path, err_path = os.path.join(scratch, "stdout.txt"), os.path.join(scratch, "stderr.txt")
    wait_for_quiet()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    with open(out_path, errors="replace") as f:
        stdout = f.read()
    if status != 0:
        with open(err_path, errors="replace") as f:
            raise Failed(f"command failed ({os.waitstatus_to_exitcode(status)}): {' '.join(command)}\n{f.read()}")
    return seconds, usage.ru_maxrss / 1024, stdout


def median_of(command, repeat, scratch, compute=None, env=None, fresh=None):
    """(median wall s, max peak MB, median compute s or nan); compute(stdout) gives one run's.
    `fresh`: an output folder removed before each run, so that vizrun never resumes an earlier one."""
    def once():
        if fresh:
            shutil.rmtree(fresh, ignore_errors=True)
        return measure(command, scratch, env)
    runs = [once() for _ in range(repeat)]
    computes = [compute(r[2]) for r in runs] if compute else [NAN]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs), statistics.median(computes)


def printed_compute(stdout):
    match = re.search(r"compute_seconds=([0-9.]+)", stdout)
    return float(match.group(1)) if match else NAN


def manifest_compute(out_dir, key="seconds"):
    """vizrun's compute from the manifest: each run's `seconds` (the whole run), or `compute_seconds`
    (only the network's passes, where the rest is rendering that the Keras side does not do)."""
    def read(_stdout):
        with open(os.path.join(out_dir, "manifest.json")) as f:
            return sum(run[key] for run in json.load(f)["runs"])
    return read


def sgemm_peak(scratch):
    """GFLOP/s of oneDNN's SGEMM at 2048^3 on this machine (Scripts/benchmarks/sgemm_peak.c), or nan."""
    binary = os.path.join(scratch, "sgemm_peak")
    try:
        subprocess.run(["cc", "-O2", os.path.join(BENCH, "sgemm_peak.c"), "-o", binary, "-ldnnl"], check=True,
                       capture_output=True)
        out = subprocess.run([binary], check=True, capture_output=True, text=True).stdout
        return float(re.search(r"gflops=([0-9.]+)", out).group(1))
    except (OSError, subprocess.CalledProcessError, AttributeError):
        return NAN


def convolution_seconds(command, scratch, fresh):
    """Seconds vizrun spends inside oneDNN convolution primitives, from ONEDNN_VERBOSE's exec lines."""
    shutil.rmtree(fresh, ignore_errors=True)
    _, _, stdout = measure(command, scratch, env=dict(os.environ, ONEDNN_VERBOSE="1"))
    return sum(float(line.rsplit(",", 1)[1]) for line in stdout.splitlines()
               if line.startswith("onednn_verbose,exec,cpu,convolution,")) / 1000


def have(*modules):
    return all(importlib.util.find_spec(m) is not None for m in modules)


def have_keras():
    return have("tensorflow", "tf_keras", "matplotlib", "cv2")


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def vgg16_block3_conv1_flops(size=150):
    """FLOPs of one gradient-ascent step for one image: forward conv MACs x2, and x2 again for the
    input gradient (relu, pooling and the normalisation are left out: they are small)."""
    convs = [(3, 64), (64, 64), "pool", (64, 128), (128, 128), "pool", (128, 256)]  # up to block3_conv1
    macs, side = 0, size
    for conv in convs:
        if conv == "pool":
            side //= 2
            continue
        cin, cout = conv
        macs += side * side * 9 * cin * cout
    return 2 * macs * 2


def job_seed(args, work, keras):
    text = open(os.path.join(ROOT, "Configs", "seed.yaml")).read()
    text = text.replace("models/", os.path.join(ROOT, "Configs", "models") + "/")
    text = text.replace("images/", IMAGES + "/")
    text = text.replace("../out/seed", os.path.join(work, "vizrun-out"))
    config = write(os.path.join(work, "seed.yaml"), text)
    viz = lambda: median_of([VIZRUN, config, "--quiet", "--force"], args.repeat, work,  # noqa: E731
                            fresh=os.path.join(work, "vizrun-out"))
    ker = lambda: median_of([sys.executable, os.path.join(BENCH, "keras_seed_activations.py"),  # noqa: E731
                             os.path.join(ROOT, "Configs", "models", "scenes_convnet.h5"), CHELSEA,
                             os.path.join(work, "keras-out")], args.repeat, work)
    return [("seed activations (8 layers, 1 image, grids to PNG)", viz, ker if keras else None)]


def job_filters(args, work, keras):
    model = make_models.ensure(args.cache, ["vgg16_notop.h5"])["vgg16_notop.h5"]
    out = os.path.join(work, "vizrun-out")
    config = write(os.path.join(work, "filters.yaml"), f"""\
model: {model}
input:
  images: [{CHELSEA}]   # required by a config; the filters run does not use it
  size: [150, 150]
output:
  dir: {out}
runs:
  - visualizer: filters
    layer: block3_conv1
    filters: 8
    steps: 40
    size: [150, 150]
    batch: 8
""")
    viz = lambda: median_of([VIZRUN, config, "--quiet", "--force"], args.repeat, work,  # noqa: E731
                            manifest_compute(out), fresh=out)
    ker = lambda: median_of([sys.executable, os.path.join(BENCH, "keras_vgg16_filters.py"), model,  # noqa: E731
                             os.path.join(work, "keras-out")], args.repeat, work, printed_compute)
    global FILTERS_CONVOLUTION_SECONDS
    FILTERS_CONVOLUTION_SECONDS = lambda: convolution_seconds([VIZRUN, config, "--quiet", "--force"], work,  # noqa: E731
                                                              out)
    return [("VGG16 block3_conv1 filters (8 x 40 steps, 150x150)", viz, ker if keras else None)]


def job_lucid(args, work, _keras):
    model = make_models.ensure(args.cache, ["vgg16_notop.h5"])["vgg16_notop.h5"]
    out = os.path.join(work, "vizrun-out")
    config = write(os.path.join(work, "lucid.yaml"), f"""\
model: {model}
input:
  images: [{CHELSEA}]   # required by a config; the filters run does not use it
  preset: vgg16
output:
  dir: {out}
runs:
  - visualizer: filters
    layer: block4_conv1
    filters: 8
    batch: 8
    size: [224, 224]
    parameterization: {{kind: fft, decorrelate: true, sigmoid: true}}
    transforms: standard
    optimizer: {{adam: {{lr: 0.05}}}}
    steps: {LUCID_STEPS}
""")
    viz = lambda: median_of([VIZRUN, config, "--quiet", "--force"], args.repeat, work,  # noqa: E731
                            manifest_compute(out), fresh=out)
    peer = lambda: median_of([sys.executable, os.path.join(BENCH, "lucent_vgg16_filters.py"),  # noqa: E731
                              str(LUCID_STEPS)], args.repeat, work, printed_compute)
    return [(LUCID_LABEL, viz, peer if have("lucent", "kornia", "torchvision") else None)]


def job_gradcam(args, work, keras):
    model = make_models.ensure(args.cache, ["vgg16.h5"])["vgg16.h5"]
    out = os.path.join(work, "vizrun-out")
    config = write(os.path.join(work, "gradcam.yaml"), f"""\
model: {model}
input:
  images: [{CHELSEA}]
  size: [224, 224]
  preset: vgg16
output:
  dir: {out}
runs:
  - visualizer: gradcam
    layer: block5_conv3
    class: top
""")
    viz = lambda: median_of([VIZRUN, config, "--quiet", "--force"], args.repeat, work,  # noqa: E731
                            manifest_compute(out), fresh=out)
    ker = lambda: median_of([sys.executable, os.path.join(BENCH, "keras_vgg16_gradcam.py"), model, CHELSEA,  # noqa: E731
                             os.path.join(work, "keras-out")], args.repeat, work, printed_compute)
    return [("VGG16 Grad-CAM block5_conv3 (224x224, load .h5)", viz, ker if keras else None)]


def job_all_layers(args, work, keras):
    rows = []
    folder = os.path.join(work, "images")
    os.makedirs(folder, exist_ok=True)
    for i in range(32):
        shutil.copy(CHELSEA, os.path.join(folder, f"chelsea_{i:02}.jpg"))
    for name, file in (("MobileNetV2", "mobilenetv2.h5"), ("ResNet50", "resnet50.h5")):
        label = f"{name} all layers (32 images, 224x224)"
        model = make_models.ensure(args.cache, [file])[file]
        probe = subprocess.run([VIZRUN, "inspect", model], capture_output=True, text=True)
        if probe.returncode != 0:
            found = re.search(r"layer '([^']+)' has class '([^']+)'", probe.stderr)
            reason = f"{found.group(2)} layer {found.group(1)}" if found else probe.stderr.strip()[-200:]
            rows.append((label, None, None, f"not yet supported by vizrun ({reason})"))
            continue
        out = os.path.join(work, f"vizrun-{file}")
        config = write(os.path.join(work, f"{file}.yaml"), f"""\
model: {model}
input:
  images: [{folder}]
  size: [224, 224]
  preset: {'tf' if name == 'MobileNetV2' else 'caffe'}
output:
  dir: {out}
  arrays: false
runs:
  - visualizer: activations
    layers: all
""")
        viz = (lambda c=config, o=out: median_of([VIZRUN, c, "--quiet", "--force"], args.repeat, work,
                                                 manifest_compute(o, "compute_seconds"), fresh=o))
        keras_out = os.path.join(work, f"keras-{file}")
        ker = (lambda m=model, o=keras_out: median_of([sys.executable, os.path.join(BENCH, "keras_all_layers.py"), m,
                                                       folder, o], args.repeat, work, printed_compute, fresh=o))
        rows.append((label, viz, ker if keras else None))
    return rows


def image_folder(work, count):
    """A folder of `count` copies of the committed images, alternating, as a user's photos."""
    folder = os.path.join(work, "images")
    os.makedirs(folder, exist_ok=True)
    sources = [CHELSEA, os.path.join(IMAGES, "coffee.png")]
    for i in range(count):
        source = sources[i % len(sources)]
        shutil.copy(source, os.path.join(folder, f"image_{i:02}{os.path.splitext(source)[1]}"))
    return folder


def onnx_config(work, model, folder, out, batch_size, arrays, runs, name="onnx.yaml"):
    return write(os.path.join(work, name), f"""\
model: {model}
input:
  images: [{folder}]
  size: [224, 224]
  resize: bilinear
  preset: torch
  batch_size: {batch_size}
output:
  dir: {out}
  arrays: {'true' if arrays else 'false'}
runs:
{runs}""")


def job_onnx_forward(args, work, _keras):
    model = make_onnx_models.ensure(args.cache)["resnet50.onnx"]
    folder = image_folder(work, 32)
    out = os.path.join(work, "vizrun-out")
    config = onnx_config(work, model, folder, out, 32, False, "  - visualizer: activations\n    layers: all\n")

    def peer_compute(stdout):
        ONNX_FORWARD_GFLOP["onnxruntime"] = float(re.search(r"gflop=([0-9.]+)", stdout).group(1))
        return printed_compute(stdout)
    viz = lambda: median_of([VIZRUN, config, "--quiet", "--force"], args.repeat, work,  # noqa: E731
                            manifest_compute(out, "compute_seconds"), fresh=out)
    ort = lambda: median_of([sys.executable, os.path.join(BENCH, "ort_forward.py"), model, folder],  # noqa: E731
                            args.repeat, work, peer_compute)
    return [(ONNX_FORWARD_LABEL, viz, ort if have("onnx", "onnxruntime", "PIL") else None)]


def job_onnx_gradcam(args, work, _keras):
    models = make_onnx_models.ensure(args.cache)
    folder = image_folder(work, 64)
    out = os.path.join(work, "vizrun-out")
    config = onnx_config(work, models["resnet50.onnx"], folder, out, 8, True,
                         "  - visualizer: gradcam\n    layer: layer4\n    class: top\n")
    viz = lambda: median_of([VIZRUN, config, "--quiet", "--force"], args.repeat, work,  # noqa: E731
                            manifest_compute(out), fresh=out)
    peer_out = os.path.join(work, "torch-out")
    torch = lambda: median_of([sys.executable, os.path.join(BENCH, "torch_resnet50_gradcam.py"),  # noqa: E731
                               models["resnet50.pt"], folder, peer_out, str(args.torch_batch)],
                              args.repeat, work, printed_compute, fresh=peer_out)
    label = "ResNet-50 ONNX Grad-CAM layer4, 64 images (PyTorch)"
    return [(label, viz, torch if have("torch", "torchvision", "pytorch_grad_cam", "cv2") else None)]


ATTRIBUTION_MODELS = {"resnet50": ("ResNet-50", "layer4"), "vgg16": ("VGG16", "features.29")}
ATTRIBUTION_RUNS = {
    "scorecam": "  - visualizer: gradcam\n    layer: {layer}\n    method: scorecam\n",
    "ablationcam": "  - visualizer: gradcam\n    layer: {layer}\n    method: ablationcam\n",
    "ig": "  - visualizer: saliency\n    method: integrated_gradients\n",
}
ATTRIBUTION_NAMES = {"scorecam": "Score-CAM", "ablationcam": "Ablation-CAM", "ig": "Integrated Gradients"}


def job_attribution(args, work, _keras):
    models = make_onnx_models.ensure(args.cache, tuple(args.attribution_models))
    count = args.attribution_images
    folder = image_folder(work, count)
    rows = []
    for architecture in args.attribution_models:
        name, layer = ATTRIBUTION_MODELS[architecture]
        for method in args.attribution_methods:
            run = ATTRIBUTION_RUNS[method]
            out = os.path.join(work, f"vizrun-{architecture}-{method}")
            config = onnx_config(work, models[f"{architecture}.onnx"], folder, out, 1, True, run.format(layer=layer),
                                 name=f"{architecture}-{method}.yaml")
            peer_out = os.path.join(work, f"torch-{architecture}-{method}")
            peer_command = [sys.executable, os.path.join(BENCH, "torch_cnn_attribution.py"), architecture,
                            models[f"{architecture}.pt"], folder, peer_out, method]
            peer = "Captum" if method == "ig" else "pytorch-grad-cam"
            label = f"{name} ONNX {ATTRIBUTION_NAMES[method]}, {count} image{'s' if count > 1 else ''} ({peer})"
            viz = (lambda config=config, out=out: median_of(  # noqa: E731
                [VIZRUN, config, "--quiet", "--force"], args.repeat, work, manifest_compute(out), fresh=out))
            torch = (lambda command=peer_command, out=peer_out: median_of(  # noqa: E731
                command, args.repeat, work, printed_compute, fresh=out))
            needed = ("torch", "torchvision", "captum") if method == "ig" else ("torch", "torchvision", "pytorch_grad_cam")
            rows.append((label, viz, torch if have(*needed) else None))
    return rows


def main():
    global VIZRUN, QUIET_LOAD
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", default=",".join(JOBS),
                        help=f"comma-separated jobs to run, from: {', '.join(JOBS)} (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool and job; the median is reported")
    parser.add_argument("--vizrun", default=VIZRUN,
                        help="the vizrun binary to time (default: this checkout's .build/release/vizrun)")
    parser.add_argument("--cache", default=os.environ.get("VIZRUN_BENCH_CACHE", make_models.default_cache()),
                        help="folder for the generated models: VGG16/MobileNetV2/ResNet50 .h5, ResNet-50 .onnx and .pt "
                             "(outside the repo)")
    parser.add_argument("--torch-batch", type=int, default=8,
                        help="images per pytorch-grad-cam call in onnx-gradcam (default 8, vizrun's batch_size)")
    parser.add_argument("--attribution-images", type=int, default=1,
                        help="images the attribution job explains (default 1; the issue's folder is 32)")
    parser.add_argument("--attribution-models", default=",".join(ATTRIBUTION_MODELS),
                        help=f"models of the attribution job, from: {', '.join(ATTRIBUTION_MODELS)} (default: all)")
    parser.add_argument("--attribution-methods", default=",".join(ATTRIBUTION_RUNS),
                        help=f"methods of the attribution job, from: {', '.join(ATTRIBUTION_RUNS)} (default: all; "
                             "a folder of 32 takes the peers hours for Score-CAM and Ablation-CAM on ResNet-50)")
    parser.add_argument("--quiet-load", type=float, default=None,
                        help="before each timed run, wait (up to 30 minutes) until the 1-minute load average "
                             "is below this, on a machine shared with other work (default: no waiting)")
    args = parser.parse_args()
    jobs = [j.strip() for j in args.jobs.split(",") if j.strip()]
    unknown = [j for j in jobs if j not in JOBS]
    if unknown:
        parser.error(f"unknown job(s) {', '.join(unknown)}; choose from {', '.join(JOBS)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    for option, known in (("models", ATTRIBUTION_MODELS), ("methods", ATTRIBUTION_RUNS)):
        chosen = [c.strip() for c in getattr(args, f"attribution_{option}").split(",") if c.strip()]
        if not chosen or any(c not in known for c in chosen):
            parser.error(f"--attribution-{option} takes a comma-separated list from: {', '.join(known)}")
        setattr(args, f"attribution_{option}", chosen)
    VIZRUN = os.path.abspath(args.vizrun)
    QUIET_LOAD = args.quiet_load
    if not os.path.exists(VIZRUN):
        sys.exit(f"no {VIZRUN}; build first: swift build -c release --product vizrun")
    keras = have_keras()
    load_at_start = os.getloadavg()[0]
    makers = {"seed": job_seed, "filters": job_filters, "gradcam": job_gradcam, "all-layers": job_all_layers,
              "onnx-forward": job_onnx_forward, "onnx-gradcam": job_onnx_gradcam,
              "attribution": job_attribution, "lucid": job_lucid}
    results = []  # (job, viz (s, MB, compute) | None, peer | None, note)
    conv_seconds = NAN
    for job in jobs:
        work = tempfile.mkdtemp(prefix=f"vizrun-bench-{job}-")
        try:
            for row in makers[job](args, work, keras):
                label, viz_run, peer_run = row[:3]
                if len(row) > 3:
                    results.append((label, None, None, row[3]))
                    continue
                print(f"running: {label} ...", file=sys.stderr, flush=True)
                note = ""
                try:
                    viz = viz_run()
                except Failed as failure:
                    print(f"vizrun failed on {label}:\n{failure}", file=sys.stderr)
                    viz, note = None, "vizrun failed (stderr above)"
                try:
                    other = peer_run() if peer_run else None
                except Failed as failure:
                    print(f"the peer failed on {label}:\n{failure}", file=sys.stderr)
                    other, note = None, (note + "; " if note else "") + "the peer failed (stderr above)"
                results.append((label, viz, other, note))
                if viz and label.startswith("VGG16 block3_conv1"):
                    conv_seconds = FILTERS_CONVOLUTION_SECONDS()
        finally:
            shutil.rmtree(work, ignore_errors=True)

    print("end to end (the peer: Keras, unless the job names another; ratio = peer/vizrun)")
    print(f"{'job':52} {'vizrun s':>9} {'peer s':>9} {'ratio':>7} {'vizrun MB':>10} {'peer MB':>9}")
    for label, viz, other, note in results:
        if viz is None and other is None and note:
            print(f"{label:52} {'-':>9} {'-':>9} {'-':>7} {'-':>10} {'-':>9}  {note}")
            continue
        vs, vm, _ = viz or (NAN, NAN, NAN)
        ks, km, _ = other or (NAN, NAN, NAN)
        ratio = f"{ks / vs:6.2f}x" if viz and other else f"{'-':>7}"
        print(f"{label:52} {vs:9.3f} {ks:9.3f} {ratio} {vm:10.0f} {km:9.0f}" + (f"  {note}" if note else ""))
    sgemm_folder = tempfile.mkdtemp(prefix="vizrun-bench-sgemm-")
    peak = sgemm_peak(sgemm_folder)
    shutil.rmtree(sgemm_folder, ignore_errors=True)

    def share(gflops):
        return f"{100 * gflops / peak:.0f}% of SGEMM peak" if peak == peak else "SGEMM peak unknown"

    computed = [(label, viz, other) for label, viz, other, _ in results
                if (viz and viz[2] == viz[2]) or (other and other[2] == other[2])]
    if computed:
        print("\ncompute only (vizrun: manifest runs[].seconds, or runs[].compute_seconds for activations; "
              "the peer: its script's compute_seconds=)")
        print(f"{'job':52} {'vizrun s':>9} {'peer s':>9} {'ratio':>7}")
        for label, viz, other in computed:
            vc = viz[2] if viz else NAN
            kc = other[2] if other else NAN
            ratio = f"{kc / vc:6.2f}x" if vc == vc and kc == kc else f"{'-':>7}"
            print(f"{label:52} {vc:9.3f} {kc:9.3f} {ratio}")
            if label.startswith("VGG16 block3_conv1"):
                flops = vgg16_block3_conv1_flops() * 8 * 40
                print(f"  {flops / 1e9:.0f} GFLOP (conv MACs x2 forward, x2 again for the input gradient; 8 x 40): "
                      f"vizrun {flops / 1e9 / vc:.1f} GFLOP/s ({share(flops / 1e9 / vc)}), "
                      f"Keras {flops / 1e9 / kc:.1f} GFLOP/s ({share(flops / 1e9 / kc)})")
                if conv_seconds == conv_seconds:
                    print(f"  inside vizrun's convolution primitives: {conv_seconds:.3f} s, "
                          f"{flops / 1e9 / conv_seconds:.1f} GFLOP/s ({share(flops / 1e9 / conv_seconds)})")
            if label == LUCID_LABEL:
                print(f"  per step: vizrun {vc / LUCID_STEPS:.3f} s, lucent {kc / LUCID_STEPS:.3f} s; a 512-step "
                      f"picture: vizrun {512 * vc / LUCID_STEPS / 60:.1f} min, lucent {512 * kc / LUCID_STEPS / 60:.1f} min")
            if label == ONNX_FORWARD_LABEL and "onnxruntime" in ONNX_FORWARD_GFLOP:
                gflop = ONNX_FORWARD_GFLOP["onnxruntime"]
                print(f"  {gflop:.0f} GFLOP (Conv and Gemm multiply-adds x2): vizrun {gflop / vc:.1f} GFLOP/s "
                      f"({share(gflop / vc)}), onnxruntime {gflop / kc:.1f} GFLOP/s ({share(gflop / kc)})")
    print(f"\n(SGEMM peak, oneDNN's dnnl_sgemm at 2048^3: {peak:.1f} GFLOP/s; Scripts/benchmarks/sgemm_peak.c)")
    print(f"(vizrun: {VIZRUN}, built {time.strftime('%Y-%m-%d %H:%M', time.localtime(os.path.getmtime(VIZRUN)))}; "
          f"load average at the end: {os.getloadavg()[0]:.2f})")
    print(f"(median of {args.repeat} runs each; peak = max over runs; cores: {os.cpu_count()}; "
          f"load average at the start: {load_at_start:.2f}, as each run started: "
          f"{statistics.median(RUN_LOADS) if RUN_LOADS else NAN:.2f} median, {max(RUN_LOADS, default=NAN):.2f} max; Keras: {'tf-keras ' + keras_version() if keras else 'not installed'}; "
          f"{', '.join(f'{d} {_version(d)}' for d in ('onnxruntime', 'torch', 'grad-cam') if _has(d))})")


def keras_version():
    try:
        from importlib.metadata import version
        return f"{version('tf-keras')}, TensorFlow {version('tensorflow-cpu') if _has('tensorflow-cpu') else version('tensorflow')}"
    except Exception:
        return "?"


def _version(dist):
    from importlib.metadata import version
    return version(dist)


def _has(dist):
    from importlib.metadata import PackageNotFoundError, version
    try:
        version(dist)
        return True
    except PackageNotFoundError:
        return False


if __name__ == "__main__":
    main()
