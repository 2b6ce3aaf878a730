"""DamageNet: a small U-Net that segments scratches, dust, cracks and stains in a grey photo.

The network is `nogan.models.grey_unet.GreyUNet` over one grey plane in [0, 1] (dust can be one
pixel wide: its full-resolution branch sees it sharply). Output: one logit per pixel.

Folder format: `config.json` `{"format": "nogan-damage", "name": str, "model": DamageNetConfig
fields, "threshold": float}` and `model.safetensors` (fp16 or fp32, our module names).
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from ..models.grey_unet import GreyUNet, GreyUNetConfig
from ..weights.state_dict import load_strict

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
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
