"""A small U-Net over grey-scale planes with an EfficientNet-Lite0 encoder: the body of the
restoration networks (`nogan.restore.damage_net`, `nogan.restore.fill_net`).

Encoder: the first `depth` stages of EfficientNet-Lite0 (strides 2 .. 2**depth) with a stem over
`in_channels` planes in [0, 1]. Decoder: per level, upsample x2, concatenate the encoder skip, one
3x3 conv-BN-ReLU; at full resolution a shallow stride-1 branch of the input joins in, because
restoration works down to single pixels and no strided feature sees them sharply. Output: one
value per pixel, whose meaning is the subclass's.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Self

import torch
import torch.nn.functional as F
from torch import nn

from .efficientnet_lite import EfficientNetLite0

# index of the last EfficientNet-Lite0 block at strides 2, 4, 8, 16, 32
STAGE_ENDS = (0, 2, 4, 10, 15)


@dataclass(frozen=True)
class GreyUNetConfig:
    """The shape of a GreyUNet; the restoration networks' configs subclass it for their defaults."""

    depth: int = 4  # encoder stages used: the coarsest feature has stride 2**depth
    decoder_channels: tuple[int, ...] = (96, 64, 32, 24)  # per decoder level, coarsest first
    fine_channels: int = 16  # width of the full-resolution input branch

    def __post_init__(self):
        if not 1 <= self.depth <= len(STAGE_ENDS):
            raise ValueError(f"depth={self.depth} must be in 1..{len(STAGE_ENDS)}")
        if len(self.decoder_channels) != self.depth:
            raise ValueError(f"decoder_channels={self.decoder_channels} needs one width per stage "
                             f"(depth={self.depth})")

    @property
    def stride(self) -> int:
        """Input sides must be multiples of this."""
        return 2 ** self.depth

    @classmethod
    def tiny(cls) -> Self:
        """A few thousand decoder weights over two encoder stages, for tests."""
        return cls(depth=2, decoder_channels=(8, 8), fine_channels=4)

    @classmethod
    def from_dict(cls, values: dict) -> Self:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})

    def to_dict(self) -> dict:
        return asdict(self)


def conv_bn_relu(in_ch: int, out_ch: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False), nn.BatchNorm2d(out_ch),
                         nn.ReLU(inplace=True))


class GreyEncoder(EfficientNetLite0):
    """The first `depth` stages of EfficientNet-Lite0 over `in_channels` grey-scale planes (the
    picture, then any masks); returns every stage's output (strides 2, 4, ...). Parameter names
    match the ImageNet checkpoint's."""

    def __init__(self, depth: int, in_channels: int = 1):
        super().__init__()
        if not 1 <= depth <= len(STAGE_ENDS):
            raise ValueError(f"depth={depth} must be in 1..{len(STAGE_ENDS)}")
        del self._conv_head, self._bn1, self._fc
        self._conv_stem = nn.Conv2d(in_channels, 32, 3, 2, 1, bias=False)
        self._blocks = self._blocks[:STAGE_ENDS[depth - 1] + 1]
        self.channels = tuple(self._blocks[i].out_channels for i in STAGE_ENDS[:depth])

    def stages(self, n: int) -> nn.ModuleList:
        """The stem and blocks of the first `n` stages (n = 0: none)."""
        if not 0 <= n <= len(self.channels):
            raise ValueError(f"n={n} must be in 0..{len(self.channels)}")
        if n == 0:
            return nn.ModuleList()
        return nn.ModuleList([self._conv_stem, self._bn0, *self._blocks[:STAGE_ENDS[n - 1] + 1]])

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.stem(x)
        features = []
        for i, block in enumerate(self._blocks):
            x = block(x)
            if i in STAGE_ENDS:
                features.append(x)
        return features


class GreyUNet(nn.Module):
    """(N, in_channels, H, W) -> (N, 1, H, W); H and W multiples of `stride` (callers pad)."""

    def __init__(self, depth: int, decoder_channels: tuple[int, ...], fine_channels: int, in_channels: int = 1):
        super().__init__()
        if len(decoder_channels) != depth:
            raise ValueError(f"decoder_channels={decoder_channels} needs one width per stage (depth={depth})")
        self.stride = 2 ** depth
        self.encoder = GreyEncoder(depth, in_channels)
        widths = self.encoder.channels
        self.up = nn.ModuleList()
        below = widths[-1]
        for level, out_ch in enumerate(decoder_channels):
            skip = widths[-2 - level] if level + 1 < depth else fine_channels
            self.up.append(conv_bn_relu(below + skip, out_ch))
            below = out_ch
        self.fine = nn.Sequential(conv_bn_relu(in_channels, fine_channels), conv_bn_relu(fine_channels, fine_channels))
        self.head = nn.Conv2d(below, 1, 1)

    def check_input(self, x: torch.Tensor) -> None:
        channels = self.encoder._conv_stem.in_channels
        if x.ndim != 4 or x.shape[1] != channels or x.shape[2] % self.stride or x.shape[3] % self.stride:
            raise ValueError(f"input of shape {tuple(x.shape)} must be (N, {channels}, H, W) with H and W "
                             f"multiples of {self.stride}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        features = self.encoder(x)
        skips = [*features[-2::-1], self.fine(x)]
        y = features[-1]
        for block, skip in zip(self.up, skips):
            y = F.interpolate(y, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            y = block(torch.cat([y, skip], 1))
        return self.head(y)
