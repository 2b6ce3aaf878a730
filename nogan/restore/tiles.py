"""Running an image-to-image network over overlapping tiles, so memory stays bounded on big scans.

Each tile is cut with `pad` pixels of context on every side, run, and only its interior is kept,
so seams vanish once `pad` covers the network's effective receptive field. Tiles start on even
pixels, so networks that fold 2x2 blocks (pixel unshuffle) see the same blocks as on the whole image.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

Network = Callable[[torch.Tensor], torch.Tensor]  # (1, 3, h, w) float in [0, 1] -> (1, 3, s*h, s*w)


def check_image(image: np.ndarray) -> np.ndarray:
    """The contract of the restoration steps: (H, W) or (H, W, 3) uint8."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 \
            or not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        got = f"{image.dtype} array of shape {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
        raise ValueError(f"image must be an (H, W) or (H, W, 3) uint8 array, got a {got}")
    if min(image.shape[:2]) < 1:
        raise ValueError(f"image must not be empty, got shape {image.shape}")
    return image


def tile_starts(size: int, tile: int, align: int = 2) -> list[int]:
    """Starts of about-equal tiles of at most `tile` pixels covering [0, size), on multiples of `align`."""
    n = -(-size // tile)
    return sorted({(i * size // n) // align * align for i in range(n)})


def run_tiled(network: Network, image: np.ndarray, scale: int, tile: int, pad: int) -> np.ndarray:
    """Apply `network` (which enlarges by `scale`) to a uint8 image tile by tile.

    Grey images are run as three equal channels and averaged back. The result is uint8, the input's
    channel layout, `scale` times its size; only one tile's activations are alive at a time.
    """
    check_image(image)
    grey = image.ndim == 2
    rgb = np.repeat(image[..., None], 3, axis=2) if grey else image
    h, w = rgb.shape[:2]
    out = np.empty((h * scale, w * scale) + (() if grey else (3,)), np.uint8)
    ys, xs = tile_starts(h, tile), tile_starts(w, tile)
    boxes = [(y0, y1, x0, x1) for y0, y1 in zip(ys, ys[1:] + [h]) for x0, x1 in zip(xs, xs[1:] + [w])]
    with torch.inference_mode():
        for y0, y1, x0, x1 in boxes:
            py0, px0 = max(0, y0 - pad), max(0, x0 - pad)
            py1, px1 = min(h, y1 + pad), min(w, x1 + pad)
            x = torch.from_numpy(np.ascontiguousarray(rgb[py0:py1, px0:px1])).permute(2, 0, 1)[None]
            y = network(x.float().div_(255))[0]
            y = y[:, (y0 - py0) * scale:(y1 - py0) * scale, (x0 - px0) * scale:(x1 - px0) * scale]
            y = y.float().clamp_(0, 1)
            if grey:
                y = y.mean(0, keepdim=True)  # three nearly equal channels
            y = y.mul_(255).round_().to(torch.uint8).permute(1, 2, 0).numpy()
            out[y0 * scale:y1 * scale, x0 * scale:x1 * scale] = y[..., 0] if grey else y
    return out
