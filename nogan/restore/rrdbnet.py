"""RRDBNet, the ESRGAN generator (Wang et al. 2018) as Real-ESRGAN x4plus uses it.

A trunk of Residual-in-Residual Dense Blocks at the input resolution, then two rounds of
nearest-neighbour ×2 upsampling and convolution. Every residual branch is scaled by 0.2.
Modules are defined in the order they run, so ncnn weights load in graph order (`ncnn.load_into`).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

RESIDUAL_SCALE = 0.2


@dataclass
class RRDBNetConfig:
    in_ch: int = 3
    out_ch: int = 3
    nf: int = 64           # trunk features
    gc: int = 32           # growth channels of each dense layer
    num_blocks: int = 23   # RRDBs in the trunk
    negative_slope: float = 0.2

    @classmethod
    def tiny(cls) -> "RRDBNetConfig":
        return cls(nf=8, gc=4, num_blocks=1)


class ResidualDenseBlock(nn.Module):
    """Five 3x3 convolutions, each seeing the block input and every earlier output."""

    def __init__(self, nf: int, gc: int, negative_slope: float):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(nf + i * gc, gc if i < 4 else nf, 3, padding=1) for i in range(5))
        self.negative_slope = negative_slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for conv in self.convs[:-1]:
            features.append(F.leaky_relu(conv(torch.cat(features, 1)), self.negative_slope))
        return x + RESIDUAL_SCALE * self.convs[-1](torch.cat(features, 1))


class RRDB(nn.Module):
    def __init__(self, nf: int, gc: int, negative_slope: float):
        super().__init__()
        self.blocks = nn.Sequential(*(ResidualDenseBlock(nf, gc, negative_slope) for _ in range(3)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + RESIDUAL_SCALE * self.blocks(x)


class RRDBNet(nn.Module):
    """(N, in_ch, H, W) in [0, 1] -> (N, out_ch, 4H, 4W), roughly in [0, 1]."""

    scale = 4

    def __init__(self, config: RRDBNetConfig):
        super().__init__()
        c = config
        self.config = config
        self.conv_first = nn.Conv2d(c.in_ch, c.nf, 3, padding=1)
        self.body = nn.Sequential(*(RRDB(c.nf, c.gc, c.negative_slope) for _ in range(c.num_blocks)))
        self.conv_body = nn.Conv2d(c.nf, c.nf, 3, padding=1)
        self.conv_up1 = nn.Conv2d(c.nf, c.nf, 3, padding=1)
        self.conv_up2 = nn.Conv2d(c.nf, c.nf, 3, padding=1)
        self.conv_hr = nn.Conv2d(c.nf, c.nf, 3, padding=1)
        self.conv_last = nn.Conv2d(c.nf, c.out_ch, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = self._act(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = self._act(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(self._act(self.conv_hr(feat)))

    def _act(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x, self.config.negative_slope)
