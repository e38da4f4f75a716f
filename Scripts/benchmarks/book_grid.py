"""The book's activation grid (Deep Learning with Python 5.4.1), shared by the Keras benchmark scripts:
each channel standardised to clip((x - mean) / std * 64 + 128, 0, 255), `images_per_row` channels a
row, written as a viridis PNG with matplotlib's imsave."""
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def activation_grid(activation, images_per_row=16):
    """One image's (H, W, C) activation as a uint8 grid."""
    height, width, n_features = activation.shape
    n_rows = -(-n_features // images_per_row)
    grid = np.zeros((height * n_rows, images_per_row * width), dtype=np.uint8)
    for c in range(n_features):
        row, col = divmod(c, images_per_row)
        ch = activation[:, :, c].astype(np.float32)
        ch -= ch.mean()
        ch /= ch.std() + 1e-12
        grid[row * height:(row + 1) * height, col * width:(col + 1) * width] = np.clip(ch * 64 + 128, 0, 255).astype("uint8")
    return grid


def save_grid(path, grid):
    plt.imsave(path, grid, cmap="viridis", vmin=0, vmax=255)
