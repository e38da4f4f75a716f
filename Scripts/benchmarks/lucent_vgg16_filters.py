"""lucent's side of the benchmark's `lucid` job: 8 channels of VGG16 block4_conv1 (torchvision,
random weights; lucent hooks it as features_17) as one batch of 224x224 images, lucent's fft image
with colour decorrelation, its standard transforms (and the ImageNet normalisation render_vis
appends), torch.optim.Adam(lr=0.05), for STEPS steps through lucent's render_vis. Prints
compute_seconds= (the render) and step_seconds=.

    python3 lucent_vgg16_filters.py STEPS     (needs torch-lucent and kornia==0.4.1)
"""
import sys
import time

import torch
import torchvision
from lucent.optvis import objectives, param, render


def main():
    steps = int(sys.argv[1])
    torch.manual_seed(0)
    model = torchvision.models.vgg16(weights=None).eval()
    objective = sum(objectives.channel("features_17", unit, batch=unit) for unit in range(8))
    start = time.perf_counter()
    render.render_vis(
        model, objective, param_f=lambda: param.image(224, batch=8, fft=True, decorrelate=True),
        thresholds=(steps,), progress=False, show_image=False)
    seconds = time.perf_counter() - start
    print(f"compute_seconds={seconds:.3f}")
    print(f"step_seconds={seconds / steps:.3f}")


if __name__ == "__main__":
    main()
