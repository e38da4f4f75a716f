"""The ONNX Grad-CAM job done with PyTorch and pytorch-grad-cam, for the benchmark: torchvision's
resnet50 with the state dict the ONNX file was exported from, `GradCAM` at `layer4` for each
image's top class, over every image of a folder in batches, each result laid over its image
(`show_cam_on_image`, jet) and written to PNG. End to end, from importing torch. Prints
`compute_seconds=` (everything after loading the model: decoding, Grad-CAM, overlays, PNGs).

    python3 torch_resnet50_gradcam.py MODEL.pt IMAGE_DIR OUT_DIR [BATCH]"""
import os
import sys
import time

import cv2
import numpy as np
import torch
import torchvision
from PIL import Image
from pytorch_grad_cam import GradCAM
from pytorch_grad_cam.utils.image import show_cam_on_image

model_path, image_dir, out_dir = sys.argv[1:4]
batch_size = int(sys.argv[4]) if len(sys.argv) > 4 else 8
os.makedirs(out_dir, exist_ok=True)
model = torchvision.models.resnet50()
model.load_state_dict(torch.load(model_path))
model.eval()
start = time.perf_counter()

files = sorted(f for f in os.listdir(image_dir) if f.lower().endswith((".jpg", ".jpeg", ".png")))
mean, std = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)
with GradCAM(model=model, target_layers=[model.layer4]) as cam:
    for first in range(0, len(files), batch_size):
        names = files[first:first + batch_size]
        images = [np.asarray(Image.open(os.path.join(image_dir, f)).convert("RGB").resize((224, 224), Image.BILINEAR),
                             np.float32) / 255 for f in names]
        batch = torch.from_numpy(((np.stack(images) - mean) / std).transpose(0, 3, 1, 2).copy())
        heatmaps = cam(input_tensor=batch, targets=None)  # the top class of each image
        for name, image, heatmap in zip(names, images, heatmaps):
            overlay = show_cam_on_image(image, heatmap, use_rgb=True)
            cv2.imwrite(os.path.join(out_dir, os.path.splitext(name)[0] + ".png"), cv2.cvtColor(overlay, cv2.COLOR_RGB2BGR))
print(f"compute_seconds={time.perf_counter() - start:.4f}")
