"""FillNet: a small U-Net that corrects a classical fill of holes in a grey photo (learned inpainting).

The network is `nogan.models.grey_unet.GreyUNet` over two planes: the grey picture in [0, 1] with
its holes already filled by frequency-selective reconstruction (FSR, what `repair.inpaint` does
without a network), and the hole mask (1 in a hole). Its one output plane is a residual added to
that fill inside the holes only; known pixels are kept exactly. The residual head starts at zero,
so an untrained network returns FSR's fill and training moves away from it only where the loss
says so.

Folder format: `config.json` `{"format": "nogan-fill", "name": str, "model": FillNetConfig fields}`
and `model.safetensors` (fp16 or fp32, our module names).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..models.grey_unet import GreyUNet, GreyUNetConfig
from ..weights.folder import load_model_weights, read_model_config, save_model_folder

BUNDLED = Path(__file__).parent / "weights" / "fill"
FORMAT = "nogan-fill"


@dataclass(frozen=True)
class FillNetConfig(GreyUNetConfig):
    """FillNet's shape (the bundled model's is in its config.json)."""

    decoder_channels: tuple[int, ...] = (64, 48, 32, 24)  # per decoder level, coarsest first


class FillNet(GreyUNet):
    """(filled, holes) -> filled corrected in the holes; all (N, 1, H, W) float: `filled` the
    picture in [0, 1] with its holes filled by FSR, holes 1 where a pixel was missing and 0 where it
    is known (values between blend), H and W multiples of `config.stride` (`fill` pads). The result
    is in [0, 1]; pixels where holes is 0 come back unchanged."""

    def __init__(self, config: FillNetConfig = FillNetConfig()):
        super().__init__(config.depth, config.decoder_channels, config.fine_channels, in_channels=2)
        self.config = config
        nn.init.zeros_(self.head.weight)  # no correction at first: the output is FSR's fill
        nn.init.zeros_(self.head.bias)

    def forward(self, filled: torch.Tensor, holes: torch.Tensor) -> torch.Tensor:
        if holes.shape != filled.shape:
            raise ValueError(f"holes of shape {tuple(holes.shape)} must match filled of shape {tuple(filled.shape)}")
        residual = super().forward(torch.cat([filled, holes], 1))
        return (filled + residual * holes).clamp(0, 1)


def save_fill_net(net: FillNet, folder: str | Path, name: str = "fill", dtype: torch.dtype = torch.float16) -> Path:
    """Write `net` in the folder format above."""
    return save_model_folder(net, folder, {"format": FORMAT, "name": name, "model": net.config.to_dict()}, dtype)


def load_fill_net(path: str | Path | None = None) -> FillNet:
    """A FillNet from a folder in the format above (None: the bundled weights), fp32, eval mode."""
    folder = BUNDLED if path is None else Path(path)
    raw = read_model_config(folder, FORMAT, required=("model",))
    return load_model_weights(FillNet(FillNetConfig.from_dict(raw["model"])), folder)
