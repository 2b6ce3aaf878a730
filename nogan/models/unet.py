"""The NoGAN generator: a U-Net over a pretrained encoder with DeOldify's "deep" or "wide" decoder.

Input and output are ImageNet-normalised RGB tensors of shape (N, 3, H, W); the output passes
through a sigmoid scaled to `y_range`. DeOldify feeds the greyscale picture as three equal
channels and reads colour from the output.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from .encoders import build_encoder
from .layers import ConvBlock, PixelShuffleUpsample, ResBlock


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything that fixes the generator's shape. Saved as `config.json` with our models."""

    encoder: str = "resnet34"
    decoder: Literal["deep", "wide"] = "deep"
    nf_factor: float = 1.5
    self_attention: bool = True
    y_range: tuple[float, float] = (-3.0, 3.0)

    def __post_init__(self):
        if self.decoder not in ("deep", "wide"):
            raise ValueError(f"decoder={self.decoder!r} must be 'deep' or 'wide'")
        if self.nf_factor <= 0:
            raise ValueError(f"nf_factor={self.nf_factor} must be positive")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "GeneratorConfig":
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - fields
        if unknown:
            raise ValueError(f"unknown generator config keys: {sorted(unknown)}")
        d = dict(d)
        if "y_range" in d:
            d["y_range"] = tuple(d["y_range"])
        return cls(**d)


class UnetBlock(nn.Module):
    """Upsample the deeper features, join the (batch-normalised) skip features, convolve.

    "deep" blocks have two convolutions, "wide" blocks one; self-attention follows the last.
    """

    def __init__(self, up_in: int, skip_in: int, up_out: int, widths: list[int], self_attention: bool):
        super().__init__()
        self.shuf = PixelShuffleUpsample(up_in, up_out)
        self.bn = nn.BatchNorm2d(skip_in)
        chans = [up_out + skip_in, *widths]
        self.convs = nn.Sequential(*[
            ConvBlock(cin, cout, self_attention=self_attention and i == len(widths) - 1)
            for i, (cin, cout) in enumerate(zip(chans, chans[1:]))])

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        up = self.shuf(x)
        if up.shape[-2:] != skip.shape[-2:]:
            # an odd size at some stride: the upsampled map is one pixel off the skip connection
            up = F.interpolate(up, skip.shape[-2:], mode="nearest")
        return self.convs(F.relu(torch.cat([up, self.bn(skip)], dim=1)))


def _decoder_widths(cfg: GeneratorConfig, skip_channels: tuple[int, ...], bottom: int):
    """Yield (up_in, skip_in, up_out, conv widths) per decoder block, deepest first (DeOldify's rules)."""
    up_in, n = bottom, len(skip_channels)
    for i, skip_in in enumerate(reversed(skip_channels)):
        final = i == n - 1
        if cfg.decoder == "deep":
            up_out = up_in // 2
            ni = up_out + skip_in
            nf = int((ni // 2 if final else ni) * cfg.nf_factor)
            widths = [nf, nf]
        else:
            nf = int(512 * cfg.nf_factor)
            up_out = (nf // 2 if final else nf) // 2
            widths = [up_out]
        yield up_in, skip_in, up_out, widths
        up_in = widths[-1]


class UnetGenerator(nn.Module):
    def __init__(self, config: GeneratorConfig):
        super().__init__()
        self.config = config
        self.encoder = build_encoder(config.encoder)
        ni = self.encoder.out_channels
        self.middle_bn = nn.BatchNorm2d(ni)
        self.middle = nn.Sequential(ConvBlock(ni, ni * 2), ConvBlock(ni * 2, ni))
        blocks = []
        specs = list(_decoder_widths(config, self.encoder.skip_channels, ni))
        for i, (up_in, skip_in, up_out, widths) in enumerate(specs):
            sa = config.self_attention and i == len(specs) - 3
            blocks.append(UnetBlock(up_in, skip_in, up_out, widths, sa))
        self.decoder = nn.ModuleList(blocks)
        width = specs[-1][3][-1]
        self.final_shuf = PixelShuffleUpsample(width, width, norm=False)
        self.res = ResBlock(width + 3)
        self.head = nn.Conv2d(width + 3, 3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips, h = self.encoder.forward_intermediates(x)
        h = self.middle(F.relu(self.middle_bn(h)))
        for block, skip in zip(self.decoder, reversed(skips)):
            h = block(h, skip)
        h = self.final_shuf(h)
        if h.shape[-2:] != x.shape[-2:]:
            h = F.interpolate(h, x.shape[-2:], mode="nearest")
        h = self.res(torch.cat([h, x], dim=1))
        # the head may be kept in fp32 under reduced precision: the output's rounding is what users see
        h = self.head(h.to(self.head.weight.dtype))
        lo, hi = self.config.y_range
        return torch.sigmoid(h) * (hi - lo) + lo

