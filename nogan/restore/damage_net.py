"""DamageNet: a small U-Net that segments scratches, dust, cracks and stains in a grey photo.

Encoder: the first `depth` stages of EfficientNet-Lite0 (strides 2 .. 2**depth) with a one-channel
stem (grey in [0, 1]). Decoder: per level, upsample x2, concatenate the encoder skip, one 3x3
conv-BN-ReLU; at full resolution a shallow stride-1 branch of the input joins in, because dust can
be one pixel wide and no strided feature sees it sharply. Output: one logit per pixel.

Folder format: `config.json` `{"format": "nogan-damage", "name": str, "model": DamageNetConfig
fields, "threshold": float}` and `model.safetensors` (fp16 or fp32, our module names).
"""
from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from ..models.efficientnet_lite import EfficientNetLite0
from ..weights.state_dict import load_strict

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
BUNDLED = Path(__file__).parent / "weights" / "damage"
# index of the last EfficientNet-Lite0 block at strides 2, 4, 8, 16, 32
STAGE_ENDS = (0, 2, 4, 10, 15)
PRIOR_LOGIT = -3.5  # sigmoid: 3 %


@dataclass(frozen=True)
class DamageNetConfig:
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
    def tiny(cls) -> DamageNetConfig:
        """A few thousand decoder weights over two encoder stages, for tests."""
        return cls(depth=2, decoder_channels=(8, 8), fine_channels=4)

    @classmethod
    def from_dict(cls, values: dict) -> DamageNetConfig:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})

    def to_dict(self) -> dict:
        return asdict(self)


def conv_bn_relu(in_ch: int, out_ch: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False), nn.BatchNorm2d(out_ch),
                         nn.ReLU(inplace=True))


class GreyEncoder(EfficientNetLite0):
    """The first `depth` stages of EfficientNet-Lite0, one input channel; returns every stage's
    output (strides 2, 4, ...). Parameter names match the ImageNet checkpoint's."""

    def __init__(self, depth: int):
        super().__init__()
        del self._conv_head, self._bn1, self._fc
        self._conv_stem = nn.Conv2d(1, 32, 3, 2, 1, bias=False)
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


class DamageNet(nn.Module):
    """(N, 1, H, W) grey in [0, 1] -> (N, 1, H, W) damage logits; H and W multiples of
    `config.stride` (`detect_damage` pads)."""

    def __init__(self, config: DamageNetConfig = DamageNetConfig()):
        super().__init__()
        self.config = config
        self.encoder = GreyEncoder(config.depth)
        widths = self.encoder.channels
        self.up = nn.ModuleList()
        below = widths[-1]
        for level, out_ch in enumerate(config.decoder_channels):
            skip = widths[-2 - level] if level + 1 < config.depth else config.fine_channels
            self.up.append(conv_bn_relu(below + skip, out_ch))
            below = out_ch
        self.fine = nn.Sequential(conv_bn_relu(1, config.fine_channels),
                                  conv_bn_relu(config.fine_channels, config.fine_channels))
        self.head = nn.Conv2d(below, 1, 1)
        # start at the prior (a few percent of pixels are damage), not at p = 0.5 everywhere,
        # so training does not spend its first thousand steps walking the bias down
        nn.init.constant_(self.head.bias, PRIOR_LOGIT)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        stride = self.config.stride
        if x.ndim != 4 or x.shape[1] != 1 or x.shape[2] % stride or x.shape[3] % stride:
            raise ValueError(f"input of shape {tuple(x.shape)} must be (N, 1, H, W) with H and W "
                             f"multiples of {stride}")
        features = self.encoder(x)
        skips = [*features[-2::-1], self.fine(x)]
        y = features[-1]
        for block, skip in zip(self.up, skips):
            y = F.interpolate(y, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            y = block(torch.cat([y, skip], 1))
        return self.head(y)


def save_damage_net(net: DamageNet, folder: str | Path, name: str = "damage", threshold: float = 0.5,
                    dtype: torch.dtype = torch.float16) -> Path:
    """Write `net` in the folder format above."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = copy.deepcopy(net).cpu().state_dict()
    tensors = {k: (v.to(dtype) if v.is_floating_point() else v).contiguous() for k, v in state.items()}
    save_file(tensors, folder / WEIGHTS_NAME, metadata={"format": "pt"})
    config = {"format": "nogan-damage", "name": name, "model": net.config.to_dict(), "threshold": threshold}
    (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n")
    return folder


def load_damage_net(path: str | Path | None = None) -> DamageNet:
    """A DamageNet from a folder in the format above (None: the bundled weights), fp32, eval mode.
    The folder's suggested threshold is kept as `net.threshold`."""
    folder = BUNDLED if path is None else Path(path)
    config_path = folder / CONFIG_NAME
    try:
        raw = json.loads(config_path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"path={str(folder)!r}: cannot read {CONFIG_NAME} ({e})") from e
    if raw.get("format") != "nogan-damage":
        raise ValueError(f"{config_path} is not a damage model config (format must be 'nogan-damage')")
    net = DamageNet(DamageNetConfig.from_dict(raw["model"]))
    state = {k: v.float() if v.is_floating_point() else v
             for k, v in load_file(folder / WEIGHTS_NAME).items()}
    load_strict(net, state, source=str(folder))
    net.threshold = float(raw.get("threshold", 0.5))
    return net.eval()
