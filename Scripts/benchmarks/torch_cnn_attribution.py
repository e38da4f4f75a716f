"""The attribution job's peer, for the benchmark: torchvision's resnet50 or vgg16 with the state dict
the ONNX file was exported from, each image of a folder (224x224, ImageNet mean/std) explained for
its top class by one method, one image at a time as pytorch-grad-cam and Captum are used on a folder:

    scorecam     pytorch-grad-cam ScoreCAM at the layer (resnet50: layer4; vgg16: features[29],
                 block5_conv3's ReLU), batch_size 32
    ablationcam  pytorch-grad-cam AblationCAM at the layer, batch_size 32
    ig           Captum IntegratedGradients, zero baseline, 50 steps, internal_batch_size 32

Each map is written as float32 .npy (the maps vizrun writes as arrays). Prints `compute_seconds=`
(everything after loading the model).

    python3 torch_cnn_attribution.py ARCHITECTURE MODEL.pt IMAGE_DIR OUT_DIR METHOD"""
import os
import sys
import time

import numpy as np
import torch
import torchvision
from PIL import Image

architecture, model_path, image_dir, out_dir, method = sys.argv[1:6]
os.makedirs(out_dir, exist_ok=True)
model = getattr(torchvision.models, architecture)()
model.load_state_dict(torch.load(model_path))
model.eval()
target_layer = model.layer4 if architecture == "resnet50" else model.features[29]
start = time.perf_counter()

if method == "ig":
    from captum.attr import IntegratedGradients
    explainer = IntegratedGradients(model)

    def explain(batch, target):
        attribution = explainer.attribute(batch, target=target, n_steps=50, internal_batch_size=32)
        return attribution.detach().numpy()[0].sum(axis=0)
else:
    from pytorch_grad_cam import AblationCAM, ScoreCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    if method == "scorecam":
        cam = ScoreCAM(model=model, target_layers=[target_layer])
        cam.batch_size = 32
    else:
        cam = AblationCAM(model=model, target_layers=[target_layer], batch_size=32)

    def explain(batch, target):
        return cam(input_tensor=batch, targets=[ClassifierOutputTarget(target)])[0]

files = sorted(f for f in os.listdir(image_dir) if f.lower().endswith((".jpg", ".jpeg", ".png")))
mean, std = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)
for name in files:
    image = np.asarray(Image.open(os.path.join(image_dir, name)).convert("RGB").resize((224, 224), Image.BILINEAR),
                       np.float32) / 255
    batch = torch.from_numpy(((image[None] - mean) / std).transpose(0, 3, 1, 2).copy())
    with torch.no_grad():
        target = int(model(batch).argmax())
    np.save(os.path.join(out_dir, os.path.splitext(name)[0] + ".npy"), explain(batch, target).astype(np.float32))
print(f"compute_seconds={time.perf_counter() - start:.4f}")
