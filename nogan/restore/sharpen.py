"""Mild sharpening of luminance without halos or ringing.

An unsharp mask adds back up to `AMOUNT` times the detail a Gaussian of `SIGMA` removes, as much
as the picture is soft: `softness` compares its finest detail with the next coarser scale (a
sharp photo has about as much of one as of the other, a blurred one far less). Detail below
`GRAIN` grey levels is left out (sharpening grain would undo the denoiser), and the result is
held within the darkest and brightest pixel of each 3x3 neighbourhood of the input: an edge gets
steeper, but nothing overshoots it, so no bright or dark halo runs along it.
"""
from __future__ import annotations

import cv2
import numpy as np

AMOUNT = 0.7
SIGMA = 1.2  # px: the scale of blur undone, about that of a slightly soft scan
GRAIN = 2.0  # grey levels of detail treated as noise and not amplified
SHARP_RATIO, SOFT_RATIO = 1.1, 0.75  # fine/coarse detail of a sharp photo, of one blurred by about 1 px


def softness(luma: np.ndarray) -> float:
    """0 for a sharp picture, rising to 1 for one blurred by about a pixel or more."""
    x = luma.astype(np.float32)
    fine_blur = cv2.GaussianBlur(x, (0, 0), SIGMA)
    fine = np.abs(x - fine_blur).mean()
    coarse = np.abs(fine_blur - cv2.GaussianBlur(x, (0, 0), 2 * SIGMA)).mean()
    ratio = fine / max(coarse, 1e-3)
    return float(np.clip((SHARP_RATIO - ratio) / (SHARP_RATIO - SOFT_RATIO), 0, 1))


def sharpen(luma: np.ndarray, amount: float | None = None) -> np.ndarray:
    """Sharpen (H, W) uint8 luminance by `amount` (None: `AMOUNT` times its `softness`);
    returns uint8 of the same shape."""
    if amount is None:
        amount = AMOUNT * softness(luma)
    if amount < 0:
        raise ValueError(f"amount={amount} must be at least 0")
    if amount == 0:
        return luma.copy()
    x = luma.astype(np.float32)
    detail = x - cv2.GaussianBlur(x, (0, 0), SIGMA)
    detail = np.sign(detail) * np.maximum(np.abs(detail) - GRAIN, 0)  # soft threshold
    kernel = np.ones((3, 3), np.uint8)
    low, high = cv2.erode(luma, kernel), cv2.dilate(luma, kernel)
    sharp = np.clip(x + amount * detail, low, high)
    return (sharp + 0.5).astype(np.uint8)
