#!/usr/bin/env python3
"""Reference grids for the activations visualizer, computed the book's way with NumPy.

Deep Learning with Python 5.4.1 draws each layer as a grid of channels, each standardised
`(x - mean) / std * 64 + 128`, clipped to 0..255 and cast to uint8, 16 per row. vizrun keeps the
leftover channels in a last partial row (zeros elsewhere, as the book's `np.zeros` grid) and draws a
constant channel as 128 instead of NaN. Input: the Keras layer outputs stored by make_fixtures.py
for the `seed` fixture. Output: Tests/Fixtures/models/seed/grids/<index>_<layer>.npy (uint8).

    python3 Scripts/make_activation_grid_fixtures.py
"""
import json
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = os.path.join(ROOT, "Tests", "Fixtures", "models", "seed")
IMAGES_PER_ROW = 16


def book_grid(activation):
    size_h, size_w, channels = activation.shape[1:]
    rows = -(-channels // IMAGES_PER_ROW)
    columns = min(IMAGES_PER_ROW, channels)
    grid = np.zeros((rows * size_h, columns * size_w), dtype=np.uint8)
    for channel in range(channels):
        image = activation[0, :, :, channel].astype(np.float32).copy()
        image -= image.mean()
        std = image.std()
        if std > 0:
            image /= std
            image = np.clip(image * 64 + 128, 0, 255).astype("uint8")
        else:
            image = np.full(image.shape, 128, dtype=np.uint8)
        row, column = divmod(channel, IMAGES_PER_ROW)
        grid[row * size_h:(row + 1) * size_h, column * size_w:(column + 1) * size_w] = image
    return grid


def main():
    with open(os.path.join(SEED, "reference.json")) as handle:
        reference = json.load(handle)
    os.makedirs(os.path.join(SEED, "grids"), exist_ok=True)
    for layer in reference["layers"][:8]:
        activation = np.load(os.path.join(SEED, layer["output"]))
        if activation.ndim != 4:
            continue
        name = os.path.splitext(os.path.basename(layer["output"]))[0]
        np.save(os.path.join(SEED, "grids", name + ".npy"), book_grid(activation))
        print("wrote grid for", layer["name"])


if __name__ == "__main__":
    main()
