#!/usr/bin/env python3
"""Writes the VizImage test fixtures into Tests/Fixtures/images/.

Every expected array comes from the reference implementation itself: keras.utils.load_img
(Pillow) for decoding and resizing, keras.applications preprocess_input for the presets,
cv2.resize for float maps, matplotlib and OpenCV for colormaps. Tooling only: vizrun never
runs Python. Rerun after changing it: python3 Scripts/make_image_fixtures.py
"""
import os
import struct
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2
import matplotlib
import numpy as np
import skimage.data
from keras.applications import imagenet_utils, vgg16
from keras.utils import img_to_array, load_img
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "images")
COLORMAPS = ["viridis", "magma", "inferno", "plasma", "cividis", "gray", "jet"]


def path(name):
    return os.path.join(OUT, name)


def save_npy(name, array):
    np.save(path(name), array)


# MARK: - Hand-built PNGs (Pillow cannot write 16-bit colour, gAMA or Adam7)

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(name, samples, color_type, bit_depth, palette=None, trns=None, gamma=None, interlaced=False):
    """samples: (H, W, channels) integers already in the file's bit depth; rows use filter 0."""
    height, width = samples.shape[:2]
    samples = samples.reshape(height, width, -1)

    def pack_rows(block):
        rows = []
        for row in block:
            flat = row.reshape(-1)
            if bit_depth == 16:
                data = flat.astype(">u2").tobytes()
            elif bit_depth == 8:
                data = flat.astype(np.uint8).tobytes()
            else:
                data = np.packbits(np.unpackbits(flat.astype(np.uint8)[:, None], axis=1)[:, 8 - bit_depth:]).tobytes()
            rows.append(b"\x00" + data)
        return b"".join(rows)

    if interlaced:
        raw = b"".join(pack_rows(samples[y0::dy, x0::dx]) for x0, y0, dx, dy in ADAM7
                       if samples[y0::dy, x0::dx].size)
    else:
        raw = pack_rows(samples)
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlaced else 0)
    body = png_chunk(b"IHDR", header)
    if gamma is not None:
        body += png_chunk(b"gAMA", struct.pack(">I", gamma))
    if palette is not None:
        body += png_chunk(b"PLTE", palette.astype(np.uint8).tobytes())
    if trns is not None:
        body += png_chunk(b"tRNS", trns)
    body += png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")
    with open(path(name), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + body)


# MARK: - Source pictures

def source_photo():
    """A 41x31 crop of Chelsea the cat (CC0), shrunk so that edges and fur texture remain."""
    cat = Image.fromarray(skimage.data.chelsea()).resize((90, 60), Image.Resampling.BOX)
    return np.asarray(cat.crop((25, 12, 66, 43)))


def write_images(photo):
    rgb = Image.fromarray(photo)
    gray = rgb.convert("L")
    rng = np.random.default_rng(7)
    alpha = np.tile(np.linspace(0, 255, photo.shape[1]).astype(np.uint8), (photo.shape[0], 1))
    alpha[:8, :8] = 0  # colours under full transparency must survive decoding

    rgb.save(path("photo_baseline.jpg"), quality=90)
    rgb.save(path("photo_progressive.jpg"), quality=85, progressive=True)
    rgb.save(path("photo_422.jpg"), quality=92, subsampling=1)
    rgb.save(path("photo_444.jpg"), quality=95, subsampling=0)
    gray.save(path("photo_gray.jpg"), quality=90)
    rgb.convert("CMYK").save(path("photo_cmyk.jpg"), quality=90)

    baseline = open(path("photo_baseline.jpg"), "rb").read()
    # Junk between the last scan and EOI: libjpeg warns, Pillow (and so Keras) still loads it.
    with open(path("photo_extraneous.jpg"), "wb") as f:
        f.write(baseline[:-2] + b"\x00" * 16 + baseline[-2:])
    with open(path("truncated.jpg"), "wb") as f:
        f.write(baseline[: len(baseline) // 2])

    rgb.save(path("photo_rgb.png"))
    Image.fromarray(np.dstack([photo, alpha])).save(path("photo_rgba.png"))
    gray.save(path("photo_gray.png"))
    Image.fromarray(np.dstack([np.asarray(gray), alpha])).save(path("photo_gray_alpha.png"))
    quantized = rgb.quantize(colors=16, method=Image.Quantize.MEDIANCUT)
    quantized.save(path("photo_palette.png"), transparency=bytes([0, 255, 255, 40] + [255] * 12))

    wide = photo.astype(np.uint16) * 257 + rng.integers(0, 257, photo.shape).astype(np.uint16)
    write_png("photo_rgb16.png", wide, 2, 16)
    write_png("photo_rgba16.png", np.dstack([wide, alpha.astype(np.uint16) * 257]), 6, 16)
    write_png("photo_gray16.png", wide[:, :, 1], 0, 16)
    # gAMA 1.0: libpng's simplified API would re-encode it; Pillow ignores gamma.
    write_png("photo_gamma.png", photo, 2, 8, gamma=100000)
    write_png("photo_interlaced.png", photo, 2, 8, interlaced=True)
    write_png("photo_gray4.png", np.asarray(gray) >> 4, 0, 4)
    write_png("photo_rgb_trns.png", photo, 2, 8, trns=struct.pack(">HHH", *photo[0, 0]))

    png = open(path("photo_rgb.png"), "rb").read()
    with open(path("truncated.png"), "wb") as f:
        f.write(png[: len(png) // 2])
    with open(path("garbage.jpg"), "wb") as f:
        f.write(rng.integers(0, 256, 300, dtype=np.uint8).tobytes())
    return wide


# MARK: - Expected arrays

def keras_image(name, **options):
    return img_to_array(load_img(path(name), **options))


def write_decoding_references(wide):
    for name in ["photo_baseline.jpg", "photo_progressive.jpg", "photo_422.jpg", "photo_444.jpg",
                 "photo_gray.jpg", "photo_cmyk.jpg", "photo_extraneous.jpg", "photo_rgb.png",
                 "photo_rgba.png", "photo_gray.png", "photo_gray_alpha.png", "photo_palette.png",
                 "photo_rgb16.png", "photo_rgba16.png", "photo_gamma.png", "photo_interlaced.png",
                 "photo_gray4.png", "photo_rgb_trns.png"]:
        stem = name.replace(".", "_")
        save_npy(f"{stem}.rgb.npy", keras_image(name).astype(np.uint8))
        save_npy(f"{stem}.gray.npy", keras_image(name, color_mode="grayscale").astype(np.uint8))
    # Keras leaves a 16-bit grey PNG 16-bit in grayscale mode and clips it to 255 in rgb mode;
    # vizrun keeps the high byte instead, as Pillow does for every 16-bit colour PNG.
    save_npy("photo_gray16_png.high_byte.npy", (wide[:, :, 1] >> 8).astype(np.uint8))


RESIZES = [  # (height, width): down, exact half, up, non-integer up, mixed, tiny
    (20, 27), (15, 20), (62, 82), (45, 61), (40, 20), (3, 5)]


def write_resize_references():
    for filter_name in ["nearest", "bilinear", "bicubic"]:
        for height, width in RESIZES:
            for mode in ["rgb", "grayscale"]:
                array = keras_image("photo_rgb.png", color_mode=mode, target_size=(height, width),
                                    interpolation=filter_name)
                save_npy(f"resize_{filter_name}_{mode}_{height}x{width}.npy", array.astype(np.uint8))
    # Keras's own default path: a JPEG resized with nearest.
    save_npy("resize_jpeg_nearest_150x150.npy",
             keras_image("photo_baseline.jpg", target_size=(150, 150)).astype(np.uint8))


def write_preprocessing_references():
    size = (24, 32)
    image = keras_image("photo_baseline.jpg", target_size=size, interpolation="bilinear")[None]
    save_npy("preprocess_caffe.npy", vgg16.preprocess_input(image.copy()))
    save_npy("preprocess_tf.npy", imagenet_utils.preprocess_input(image.copy(), mode="tf"))
    save_npy("preprocess_torch.npy", imagenet_utils.preprocess_input(image.copy(), mode="torch"))
    book = keras_image("photo_baseline.jpg", target_size=size)[None] / 255.0
    save_npy("preprocess_book.npy", book.astype(np.float32))


def write_map_resize_references():
    rng = np.random.default_rng(3)
    heatmap = rng.random((7, 9), dtype=np.float32)
    save_npy("map_7x9.npy", heatmap)
    save_npy("map_7x9_to_31x41.npy", cv2.resize(heatmap, (41, 31)))
    # Pip's OpenCV hands float INTER_LINEAR to Intel IPP, which rounds a few values differently
    # (about 2 ulp) from OpenCV's own code; vizrun follows the latter exactly.
    cv2.ipp.setUseIPP(False)
    save_npy("map_7x9_to_31x41.no_ipp.npy", cv2.resize(heatmap, (41, 31)))
    cv2.ipp.setUseIPP(True)
    save_npy("map_7x9_to_4x5.npy", cv2.resize(heatmap, (5, 4)))
    channels = rng.standard_normal((5, 4, 3), dtype=np.float32)
    save_npy("map_5x4x3.npy", channels)
    save_npy("map_5x4x3_to_12x10.npy", cv2.resize(channels, (10, 12)))


def write_grid_and_overlay_references(photo):
    """The book's layouts: tiles with margins between them, and the Grad-CAM overlay."""
    tiles = [photo[row:row + 6, column:column + 8] for row, column in [(0, 0), (3, 5), (10, 20), (20, 30), (25, 2)]]
    columns, margin, size = 3, 2, (6, 8)
    rows = (len(tiles) + columns - 1) // columns
    grid = np.full((rows * size[0] + (rows - 1) * margin, columns * size[1] + (columns - 1) * margin, 3), 7, np.uint8)
    for index, tile in enumerate(tiles):
        top, left = (index // columns) * (size[0] + margin), (index % columns) * (size[1] + margin)
        grid[top:top + size[0], left:left + size[1]] = tile
    save_npy("grid_5_tiles.npy", grid)

    # Deep Learning with Python 5.4.3, with cv2.imread's BGR order kept throughout as in the book.
    heatmap = np.load(path("map_7x9.npy"))
    img = cv2.imread(path("photo_rgb.png"))
    heatmap = cv2.resize(heatmap, (img.shape[1], img.shape[0]))
    heatmap = np.uint8(255 * heatmap)
    heatmap = cv2.applyColorMap(heatmap, cv2.COLORMAP_JET)
    superimposed_img = heatmap * 0.4 + img
    written = cv2.imdecode(cv2.imencode(".png", superimposed_img)[1], cv2.IMREAD_COLOR)
    save_npy("gradcam_overlay.npy", written[:, :, ::-1].copy())


def colormap_table(name):
    if name == "jet":
        bgr = cv2.applyColorMap(np.arange(256, dtype=np.uint8)[:, None], cv2.COLORMAP_JET)
        return bgr[:, 0, ::-1]
    rgba = matplotlib.colormaps[name](np.arange(256))
    return np.rint(rgba[:, :3] * 255).astype(np.uint8)


def main():
    os.makedirs(OUT, exist_ok=True)
    photo = source_photo()
    wide = write_images(photo)
    write_decoding_references(wide)
    write_resize_references()
    write_preprocessing_references()
    write_map_resize_references()
    write_grid_and_overlay_references(photo)
    save_npy("colormaps.npy", np.stack([colormap_table(name) for name in COLORMAPS]))


if __name__ == "__main__":
    main()
