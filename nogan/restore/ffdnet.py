"""FFDNet (Zhang, Zuo and Zhang 2018), a fast and flexible CNN denoiser.

The image is folded into four half-resolution sub-images (pixel unshuffle), a noise-level map is
appended as one more channel, a plain stack of 3x3 convolutions with ReLU predicts the clean
sub-images, and a pixel shuffle unfolds them. Working at half resolution makes it fast; the noise
map makes one network handle every noise level, and lets the caller choose the strength.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class FFDNetConfig:
    channels: int = 3      # image channels (3 for the colour model)
    nf: int = 96           # features
    num_conv: int = 12     # convolutions in total

    @classmethod
    def tiny(cls) -> "FFDNetConfig":
        return cls(nf=8, num_conv=3)


class FFDNet(nn.Module):
    """(N, C, H, W) in [0, 1] and sigma (N,) on the same 0-1 scale -> (N, C, H, W) denoised."""

    def __init__(self, config: FFDNetConfig):
        super().__init__()
        c = config
        self.config = config
        layers: list[nn.Module] = [nn.Conv2d(4 * c.channels + 1, c.nf, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(c.num_conv - 2):
            layers += [nn.Conv2d(c.nf, c.nf, 3, padding=1), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(c.nf, 4 * c.channels, 3, padding=1))
        self.model = nn.Sequential(*layers)  # named as in the published checkpoint ("model.0.weight", ...)

    def forward(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        x = F.pad(x, (0, w % 2, 0, h % 2), mode="replicate")
        x = F.pixel_unshuffle(x, 2)
        noise_map = sigma.to(x.dtype).view(-1, 1, 1, 1).expand(x.shape[0], 1, *x.shape[-2:])
        x = F.pixel_shuffle(self.model(torch.cat([x, noise_map], 1)), 2)
        return x[..., :h, :w]
