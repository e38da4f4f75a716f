"""The networks of Scripts/make_onnx_fixtures.py: torchvision's classification families at reduced
widths (their own classes, so their module names and export quirks are the real ones) and small
networks of the operators the families leave out. Tooling only: vizrun never runs Python."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.convnext import CNBlockConfig, ConvNeXt
from torchvision.models.densenet import DenseNet
from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf
from torchvision.models.googlenet import GoogLeNet
from torchvision.models.inception import Inception3
from torchvision.models.mnasnet import MNASNet
from torchvision.models.mobilenetv2 import MobileNetV2
from torchvision.models.mobilenetv3 import MobileNetV3, _mobilenet_v3_conf
from torchvision.models.regnet import BlockParams, RegNet
from torchvision.models.resnet import ResNet
from torchvision.models.shufflenetv2 import ShuffleNetV2
from torchvision.models.squeezenet import SqueezeNet
from torchvision.models.vgg import VGG, make_layers
from torchvision.ops.misc import Conv2dNormActivation


class SmallResNet(ResNet):
    """torchvision's ResNet with stage widths 4, 8, 16, 32 instead of 64..512 (same module names)."""

    def __init__(self, block, layers, num_classes=10):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes, self.dilation, self.groups, self.base_width = 4, 1, 1, 64
        self.conv1 = nn.Conv2d(3, 4, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 4, layers[0])
        self.layer2 = self._make_layer(block, 8, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 16, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 32, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(32 * block.expansion, num_classes)


def small_vgg(batch_norm):
    model = VGG(make_layers([4, "M", 8, 8, "M"], batch_norm=batch_norm), num_classes=10)
    model.classifier = nn.Sequential(nn.Linear(8 * 7 * 7, 32), nn.ReLU(True), nn.Dropout(),
                                     nn.Linear(32, 32), nn.ReLU(True), nn.Dropout(), nn.Linear(32, 10))
    return model


def small_mobilenet_v2():
    """torchvision's MobileNetV2 at width 0.25 with one block per stage and a 64-channel last conv."""
    setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 1, 2], [6, 64, 1, 2], [6, 96, 1, 1], [6, 160, 1, 2]]
    model = MobileNetV2(num_classes=10, width_mult=0.25, inverted_residual_setting=setting)
    model.features[-1] = Conv2dNormActivation(model.features[-1][0].in_channels, 64, kernel_size=1,
                                              activation_layer=nn.ReLU6)
    model.classifier[1] = nn.Linear(64, 10)
    return model


class Mix(nn.Module):
    """The ops the torchvision families leave out, in one small network."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.act1 = nn.Hardswish()
        self.pool1 = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=2, dilation=2, groups=2)
        self.act2 = nn.Hardsigmoid()
        self.pool2 = nn.MaxPool2d(2, ceil_mode=True)
        self.conv3 = nn.Conv2d(16, 16, 3, padding=(1, 0), groups=16)
        self.act3 = nn.LeakyReLU(0.1)
        self.fc = nn.Linear(16 * 5 * 3, 10)

    def forward(self, x):
        x = self.pool1(self.act1(self.bn1(self.conv1(x))))
        x = self.pool2(self.act2(self.conv2(x)))
        x = self.act3(self.conv3(x))
        return torch.softmax(self.fc(x.view(x.size(0), -1)), 1)


class Mix2(nn.Module):
    """More ops PyTorch code exports: PReLU, SELU, maximum/minimum, negation, F.pad, an average
    pool that counts padding (ceil_mode), permute, unsqueeze/squeeze, a mean over the NHWC-ordered
    middle axes, log_softmax."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.prelu = nn.PReLU(6)
        self.conv2 = nn.Conv2d(6, 6, 1)
        self.selu = nn.SELU()
        self.pool = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)  # counts padding cells in
        self.fc = nn.Linear(6, 10)

    def forward(self, x):
        a = self.prelu(self.conv1(x))
        b = self.selu(self.conv2(a))
        m = torch.maximum(a, b) + torch.minimum(a, -b)
        m = self.pool(nn.functional.pad(m, (1, 2, 0, 1)))
        t = m.permute(0, 2, 3, 1).unsqueeze(1).squeeze(1)
        return nn.functional.log_softmax(self.fc(t.mean(dim=(1, 2))), dim=1)


def narrowed(model, factor, size, classes=10):
    """The model with every Conv2d, BatchNorm2d and Linear `factor` times narrower (rounded up),
    for the families whose widths are fixed in their classes (SqueezeNet, GoogLeNet, Inception
    v3): the layers are made lazy and take their input widths from a first run at `size`."""
    def narrow(module):
        for name, child in module.named_children():
            if isinstance(child, nn.Conv2d):
                assert child.groups == 1, "depthwise and grouped convolutions keep their own widths"
                new = nn.LazyConv2d(math.ceil(child.out_channels / factor), child.kernel_size, child.stride,
                                    child.padding, child.dilation, bias=child.bias is not None)
            elif isinstance(child, nn.BatchNorm2d):
                new = nn.LazyBatchNorm2d(eps=child.eps)
            elif isinstance(child, nn.Linear):
                new = nn.LazyLinear(classes, bias=child.bias is not None)
            else:
                narrow(child)
                continue
            setattr(module, name, new)
    narrow(model)
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, size, size))
    return model


def small_efficientnet_b0():
    """torchvision's EfficientNet-B0 at width 0.125 and depth 0.34 (a block per stage, two in the
    middle three: residual Adds), a 64-channel last conv."""
    setting, _ = _efficientnet_conf("efficientnet_b0", width_mult=0.125, depth_mult=0.34)
    return EfficientNet(setting, dropout=0.2, num_classes=10, last_channel=64)


def small_mobilenet_v3():
    """torchvision's MobileNetV3-Small at width 0.125, a 64-unit classifier."""
    setting, _ = _mobilenet_v3_conf("mobilenet_v3_small", width_mult=0.125)
    return MobileNetV3(setting, last_channel=64, num_classes=10)


def small_regnet():
    """torchvision's RegNet (Y: squeeze-and-excitation, grouped 3x3 convs) of depth 4, widths from 8."""
    return RegNet(BlockParams.from_init_params(depth=4, w_0=8, w_a=8.0, w_m=2.0, group_width=4, se_ratio=0.25),
                  num_classes=10, stem_width=8)


def small_mnasnet():
    """torchvision's MNASNet at alpha 0.1 with a 64-channel last conv instead of 1280."""
    model = MNASNet(0.1, num_classes=10)
    model.layers[14] = nn.Conv2d(model.layers[14].in_channels, 64, 1, bias=False)
    model.layers[15] = nn.BatchNorm2d(64)
    model.classifier[1] = nn.Linear(64, 10)
    return model


def small_shufflenet_v2():
    """torchvision's ShuffleNetV2 with two blocks per stage and widths 8..64."""
    return ShuffleNetV2([2, 2, 2], [8, 16, 32, 64, 64], num_classes=10)


def small_squeezenet():
    """torchvision's SqueezeNet 1.1, six times narrower (its classifier is a convolution: 60 / 6
    classes)."""
    return narrowed(SqueezeNet("1_1", num_classes=60), 6, 32)


def small_googlenet():
    """torchvision's GoogLeNet without its auxiliary classifiers, sixteen times narrower."""
    return narrowed(GoogLeNet(num_classes=1000, aux_logits=False, init_weights=False), 16, 32)


def small_inception_v3():
    """torchvision's Inception v3 without its auxiliary classifier, 28 times narrower; it takes
    75x75 images at the least."""
    return narrowed(Inception3(num_classes=1000, aux_logits=False, init_weights=False), 28, 75)


def small_densenet():
    """torchvision's DenseNet with growth rate 8, two layers per block, bottleneck width 2."""
    return DenseNet(growth_rate=8, block_config=(2, 2, 2, 2), num_init_features=16, bn_size=2, num_classes=10)


def small_convnext():
    """torchvision's ConvNeXt with stages of 8 and 16 channels, one block each."""
    return ConvNeXt([CNBlockConfig(8, 16, 1), CNBlockConfig(16, None, 1)], num_classes=10)


class Mix3(nn.Module):
    """Decoder and attention ops: grouped and dilated ConvTranspose with output_padding,
    InstanceNorm, GELU, edge and reflect padding, bilinear, nearest and align-corners resizing,
    chunk, sqrt/exp/log/abs/reciprocal/pow, a root mean square over the channels, strided slices,
    a self-attention (MatMul of two activations), index_select, log_softmax over the channels,
    amax and sum reductions, a channel picked by index."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.norm1 = nn.InstanceNorm2d(8, affine=True)
        self.up1 = nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.up2 = nn.ConvTranspose2d(8, 6, 2, stride=1, padding=(1, 0), dilation=2)
        self.gelu = nn.GELU()
        self.query = nn.Conv2d(6, 4, 1)
        self.key = nn.Conv2d(6, 4, 1)
        self.value = nn.Conv2d(6, 6, 1)
        self.conv2 = nn.Conv2d(12, 8, 3, padding=1, padding_mode="reflect")
        self.fc = nn.Linear(14, 10)

    def forward(self, x):
        x = self.up1(self.norm1(self.conv1(x)))
        x = self.up2(F.pad(x, (1, 2, 2, 1), mode="replicate"))
        x = F.interpolate(x, size=(12, 10), mode="bilinear", align_corners=False)
        a, b = x.chunk(2, dim=1)
        x = torch.cat([b * torch.sqrt(a * a + 1), torch.exp(-a.abs()), torch.log(b.abs() + 1),
                       torch.reciprocal(a.abs() + 1), a.pow(2), torch.pow(b.abs() + 0.5, 1.5)], 1)
        x = x / torch.sqrt((x * x).mean(1, keepdim=True) + 1e-5)
        x = x[:, :12, 1:, ::2]
        q = self.query(x[:, :6]).flatten(2)
        k = self.key(x[:, :6]).flatten(2)
        v = self.value(x[:, 6:]).flatten(2)
        attention = torch.softmax(q.transpose(1, 2) @ k, dim=-1)
        y = (v @ attention.transpose(1, 2)).reshape(x.shape[0], 6, 11, 5)
        x = self.gelu(torch.cat([y, x.index_select(1, torch.tensor([5, 0, 3, 1, 4, 2]))], 1))
        x = F.interpolate(self.conv2(x), scale_factor=2, mode="nearest")
        x = F.log_softmax(F.interpolate(x, scale_factor=0.5, mode="bilinear", align_corners=True), dim=1)
        return self.fc(torch.cat([x.amax(dim=(2, 3)), x[:, 0].sum(dim=(1, 2)).unsqueeze(1) / 50, x[:, :5, 2, 3]], 1))


class Resample(nn.Module):
    """What older opsets write differently: nearest upsampling (Upsample before opset 10, Resize
    with scales after), chunk (Split with its sizes as an attribute before opset 13), slices
    (starts and ends as attributes before opset 10), reflect padding (pads as an attribute before
    opset 11)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(2, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, 10)

    def forward(self, x):
        a, b = torch.relu(self.conv1(x)).chunk(2, dim=1)
        x = F.max_pool2d(self.conv2(F.interpolate(a * b + a, scale_factor=2, mode="nearest")), 2)[:, :, 1:-1, 2:]
        return self.fc(F.pad(x, (1, 1, 2, 0), mode="reflect").flatten(1))
