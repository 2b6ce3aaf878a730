"""Correcting the FSR fill of holes with FillNet, window by window, so memory stays bounded on big scans and the cost
follows the damage: the picture is cut into `tile`-pixel windows, and only windows with holes run,
each with `context` pixels of surroundings on every side. Colour pictures are corrected channel by
channel (each channel is a grey picture to the network), as one batch per window.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .fill_net import FillNet
from .tiles import check_image, tile_starts

TILE = 256
CONTEXT = 32  # px around a window's core that the network sees; holes are filled within the core


@torch.no_grad()
def learned_fill(net: FillNet, image: np.ndarray, holes: np.ndarray, *, tile: int = TILE,
                 context: int = CONTEXT) -> np.ndarray:
    """Correct by `net` the pixels where `holes` is true, which `image` holds filled by FSR.

    `image`: (H, W) or (H, W, 3) uint8; `holes`: (H, W) bool. Returns a new array like `image`;
    every pixel outside the holes is unchanged. Runs on the network's device, in fp32.
    """
    check_image(image)
    holes = np.asarray(holes, bool)
    if holes.shape != image.shape[:2]:
        raise ValueError(f"holes of shape {holes.shape} must have the image's height and width {image.shape[:2]}")
    if tile < 1 or context < 0:
        raise ValueError(f"tile={tile} must be positive and context={context} not negative")
    planes = image[None] if image.ndim == 2 else np.moveaxis(image, 2, 0)  # (C, H, W)
    out = image.copy()
    result = out[None] if image.ndim == 2 else np.moveaxis(out, 2, 0)  # a view: writes land in `out`
    device, stride = next(net.parameters()).device, net.config.stride
    h, w = holes.shape
    ys, xs = tile_starts(h, tile), tile_starts(w, tile)
    for ky0, ky1 in zip(ys, [*ys[1:], h]):
        for kx0, kx1 in zip(xs, [*xs[1:], w]):
            core = holes[ky0:ky1, kx0:kx1]
            if not core.any():
                continue
            y0, x0, y1, x1 = max(0, ky0 - context), max(0, kx0 - context), min(h, ky1 + context), min(w, kx1 + context)
            x = torch.from_numpy(np.ascontiguousarray(planes[:, y0:y1, x0:x1])).to(device).float().div_(255)[:, None]
            m = torch.from_numpy(holes[y0:y1, x0:x1]).to(device).float().expand_as(x)
            pad = (0, -x.shape[3] % stride, 0, -x.shape[2] % stride)
            filled = net(F.pad(x, pad, mode="replicate"), F.pad(m, pad))[:, 0, :y1 - y0, :x1 - x0]
            filled = filled[:, ky0 - y0:ky1 - y0, kx0 - x0:kx1 - x0].mul(255).round_().clamp_(0, 255)
            window = result[:, ky0:ky1, kx0:kx1]
            window[:, core] = filled.to(torch.uint8).cpu().numpy()[:, core]
    return out
