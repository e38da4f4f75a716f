#!/usr/bin/env python3
"""Load test of `vizrun serve` on loopback (Docs/serve.md): N clients (default 50) for S seconds
(default 30) asking for activation grids of layers already computed and of layers not computed yet,
against a release build of vizrun serving the demo convnet and Configs/images.

    python3 Scripts/serve_load.py [--vizrun .build/release/vizrun] [--clients 50] [--seconds 30]

Each client loops until the deadline: a cached request (the grid of a layer warmed up before the
clock starts) or, every fourth request, a grid of an (input, layer) pair not asked for before, while
there are any (the demo model has few: they run out and the rest of the run is cached). Reports the
number of requests and errors (any status but 200, or a failed connection), latency percentiles
per kind, and the server's resident memory (VmRSS) sampled every second: at the end of the first
minute, and its lowest and highest after it (the issue's "flat after the first minute").

    python3 Scripts/serve_load.py --gradcam MODEL [--requests 6]

times uncached Grad-CAM instead: `vizrun serve MODEL` (VGG16: `benchmark.py` keeps one in
~/.cache/vizrun-bench), then, one at a time, each input's map for a class not asked for before
(the first request of an input also computes its forward pass), and reports each request's time.
Tooling only: the standard library, no Python package.
"""
import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vizrun", default=os.path.join(ROOT, ".build/release/vizrun"))
    parser.add_argument("--config", default=os.path.join(ROOT, "Configs/seed.yaml"))
    parser.add_argument("--images", default=os.path.join(ROOT, "Configs/images"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--gradcam", metavar="MODEL", help="time uncached Grad-CAM requests on MODEL instead")
    parser.add_argument("--requests", type=int, default=6, help="with --gradcam: how many")
    args = parser.parse_args()

    served = [args.gradcam] if args.gradcam else ["--config", args.config]
    server = subprocess.Popen(
        [args.vizrun, "serve", *served, "--images", args.images, "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        match = re.search(r"http://([^:/]+):(\d+)/", line)
        if not match:
            sys.exit(f"vizrun serve printed no URL: {line!r}")
        host, port = match.group(1), int(match.group(2))
        (time_gradcam if args.gradcam else run)(args, server.pid, host, port)
    finally:
        server.terminate()
        server.wait()


def get(connection, path):
    start = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response.status, time.perf_counter() - start


def time_gradcam(args, pid, host, port):
    inputs = sorted(os.path.splitext(name)[0] for name in os.listdir(args.images)
                    if name.lower().endswith((".jpg", ".jpeg", ".png")))
    connection = http.client.HTTPConnection(host, port, timeout=600)
    times = []
    for request in range(args.requests):
        source, class_index = inputs[request % len(inputs)], request // len(inputs)
        path = "/attribution.png?" + urllib.parse.urlencode(
            {"input": source, "method": "gradcam", "class": class_index, "picture": "overlay"})
        status, seconds = get(connection, path)
        if status != 200:
            sys.exit(f"{path}: status {status}")
        times.append(seconds)
        print(f"  {path}: {1000 * seconds:.0f} ms")
    print(f"uncached Grad-CAM, {len(times)} requests: median {1000 * statistics.median(times):.0f} ms, "
          f"max {1000 * max(times):.0f} ms")


def run(args, pid, host, port):
    layers = ["conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "conv2d_2", "max_pooling2d_2",
              "conv2d_3", "max_pooling2d_3"]
    inputs = ["chelsea", "coffee"]
    grid = lambda i, l: "/activations/grid.png?" + urllib.parse.urlencode({"input": i, "layer": l})
    warm = grid(inputs[0], layers[0])
    connection = http.client.HTTPConnection(host, port)
    status, _ = get(connection, warm)
    assert status == 200, status
    connection.close()
    fresh = [grid(i, l) for i in inputs for l in layers if (i, l) != (inputs[0], layers[0])]
    lock = threading.Lock()
    latencies = {"cached": [], "uncached": []}
    errors = []
    memory = []
    deadline = time.monotonic() + args.seconds

    def client():
        connection = http.client.HTTPConnection(host, port, timeout=120)
        count = 0
        while time.monotonic() < deadline:
            count += 1
            path, kind = warm, "cached"
            if count % 4 == 0:
                with lock:
                    if fresh:
                        path, kind = fresh.pop(), "uncached"
            try:
                status, seconds = get(connection, path)
            except Exception as error:  # a refused or dropped connection is an error to report
                with lock:
                    errors.append(f"{path}: {error}")
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=120)
                continue
            with lock:
                (latencies[kind] if status == 200 else errors).append(seconds if status == 200 else f"{path}: {status}")
        connection.close()

    def sample_memory():
        while time.monotonic() < deadline:
            with open(f"/proc/{pid}/status") as status:
                rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
            memory.append(rss / 1024)
            time.sleep(1)

    threads = [threading.Thread(target=client) for _ in range(args.clients)] + [threading.Thread(target=sample_memory)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    total = sum(len(v) for v in latencies.values())
    print(f"{args.clients} clients, {args.seconds:.0f} s: {total} requests answered, {len(errors)} errors")
    for error in errors[:5]:
        print("  error:", error)
    for kind, values in latencies.items():
        if values:
            print(f"  {kind:9} n={len(values):6}  p50 {1000 * percentile(values, 0.5):8.1f} ms  "
                  f"p90 {1000 * percentile(values, 0.9):8.1f} ms  p99 {1000 * percentile(values, 0.99):8.1f} ms  "
                  f"max {1000 * max(values):8.1f} ms")
    if memory:
        print(f"  server RSS: first {memory[0]:.0f} MB, peak {max(memory):.0f} MB")
        if len(memory) > 61:
            later = memory[61:]
            print(f"  after the first minute: {memory[60]:.0f} MB at 60 s, then between {min(later):.0f} and "
                  f"{max(later):.0f} MB up to {len(memory)} s")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
