"""SRVGGNetCompact, Real-ESRGAN's compact super-resolution network (realesr-animevideov3).

A plain stack of 3x3 convolutions with PReLU at the input resolution, a pixel shuffle to the output
size, and the nearest-neighbour upsampled input added back, so the network learns only the residual.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class SRVGGConfig:
    in_ch: int = 3
    out_ch: int = 3
    nf: int = 64
    num_conv: int = 16
    scale: int = 4

    @classmethod
    def tiny(cls) -> "SRVGGConfig":
        return cls(nf=8, num_conv=2)


class SRVGGNetCompact(nn.Module):
    """(N, in_ch, H, W) in [0, 1] -> (N, out_ch, scale*H, scale*W), roughly in [0, 1]."""

    def __init__(self, config: SRVGGConfig):
        super().__init__()
        c = config
        self.config = config
        self.scale = c.scale
        layers: list[nn.Module] = [nn.Conv2d(c.in_ch, c.nf, 3, padding=1), nn.PReLU(c.nf)]
        for _ in range(c.num_conv):
            layers += [nn.Conv2d(c.nf, c.nf, 3, padding=1), nn.PReLU(c.nf)]
        layers.append(nn.Conv2d(c.nf, c.out_ch * c.scale ** 2, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = F.pixel_shuffle(self.body(x), self.scale)
        return residual + F.interpolate(x, scale_factor=self.scale, mode="nearest")
