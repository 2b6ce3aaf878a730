"""DamageNet: a small U-Net that segments scratches, dust, cracks and stains in a grey photo.

The network is `nogan.models.grey_unet.GreyUNet` over one grey plane in [0, 1] (dust can be one
pixel wide: its full-resolution branch sees it sharply). Output: one logit per pixel.

Folder format: `config.json` `{"format": "nogan-damage", "name": str, "model": DamageNetConfig
fields, "threshold": float}` and `model.safetensors` (fp16 or fp32, our module names).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..models.grey_unet import GreyUNet, GreyUNetConfig
from ..weights.folder import load_model_weights, read_model_config, save_model_folder

FORMAT = "nogan-damage"
BUNDLED = Path(__file__).parent / "weights" / "damage"
PRIOR_LOGIT = -3.5  # sigmoid: 3 %


@dataclass(frozen=True)
class DamageNetConfig(GreyUNetConfig):
    """DamageNet's shape (the bundled model's is in its config.json)."""


class DamageNet(GreyUNet):
    """(N, 1, H, W) grey in [0, 1] -> (N, 1, H, W) damage logits; H and W multiples of
    `config.stride` (`detect_damage` pads)."""

    def __init__(self, config: DamageNetConfig = DamageNetConfig()):
        super().__init__(config.depth, config.decoder_channels, config.fine_channels)
        self.config = config
        # start at the prior (a few percent of pixels are damage), not at p = 0.5 everywhere,
        # so training does not spend its first thousand steps walking the bias down
        nn.init.constant_(self.head.bias, PRIOR_LOGIT)


def save_damage_net(net: DamageNet, folder: str | Path, name: str = "damage", threshold: float = 0.5,
                    dtype: torch.dtype = torch.float16) -> Path:
    """Write `net` in the folder format above."""
    config = {"format": FORMAT, "name": name, "model": net.config.to_dict(), "threshold": threshold}
    return save_model_folder(net, folder, config, dtype)


def load_damage_net(path: str | Path | None = None) -> DamageNet:
    """A DamageNet from a folder in the format above (None: the bundled weights), fp32, eval mode.
    The folder's suggested threshold is kept as `net.threshold`."""
    folder = BUNDLED if path is None else Path(path)
    raw = read_model_config(folder, FORMAT, required=("model",))
    net = load_model_weights(DamageNet(DamageNetConfig.from_dict(raw["model"])), folder)
    net.threshold = float(raw.get("threshold", 0.5))
    return net
