#!/usr/bin/env python3
"""Load test of `vizrun serve` on loopback (Docs/serve.md): N clients (default 50) for S seconds
(default 30) asking for activation grids of layers already computed and of layers not computed yet,
against a release build of vizrun serving the demo convnet and Configs/images.

    python3 Scripts/serve_load.py [--vizrun .build/release/vizrun] [--clients 50] [--seconds 30]

Each client loops until the deadline: a cached request (the grid of a layer warmed up before the
clock starts) or, every fourth request, a grid of an (input, layer) pair not asked for before, while
there are any (the demo model has few: they run out and the rest of the run is cached). Reports the
number of requests and errors (any status but 200, or a failed connection), latency percentiles
per kind, and the server's resident memory (VmRSS) sampled every second. Tooling only: the
standard library, no Python package.
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
    args = parser.parse_args()

    server = subprocess.Popen(
        [args.vizrun, "serve", "--config", args.config, "--images", args.images, "--port", "0"],
        stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        match = re.search(r"http://([^:/]+):(\d+)/", line)
        if not match:
            sys.exit(f"vizrun serve printed no URL: {line!r}")
        host, port = match.group(1), int(match.group(2))
        run(args, server.pid, host, port)
    finally:
        server.terminate()
        server.wait()


def run(args, pid, host, port):
    def get(connection, path):
        start = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - start

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
        third = max(1, len(memory) // 3)
        print(f"  server RSS: first {memory[0]:.0f} MB, median of the last third "
              f"{statistics.median(memory[-third:]):.0f} MB, peak {max(memory):.0f} MB")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
