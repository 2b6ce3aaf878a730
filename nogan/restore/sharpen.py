"""Mild sharpening of luminance without halos or ringing.

An unsharp mask adds back `AMOUNT` times the detail a Gaussian of `SIGMA` removes. Detail below
`GRAIN` grey levels is left out (sharpening grain would undo the denoiser), and the result is
held within the darkest and brightest pixel of each 3x3 neighbourhood of the input: an edge gets
steeper, but nothing overshoots it, so no bright or dark halo runs along it.
"""
from __future__ import annotations

import cv2
import numpy as np

AMOUNT = 0.5
SIGMA = 1.2  # px: the scale of blur undone, about that of a slightly soft scan
GRAIN = 2.0  # grey levels of detail treated as noise and not amplified


def sharpen(luma: np.ndarray, amount: float = AMOUNT) -> np.ndarray:
    """Sharpen (H, W) uint8 luminance; returns uint8 of the same shape."""
    if amount < 0:
        raise ValueError(f"amount={amount} must be at least 0")
    x = luma.astype(np.float32)
    detail = x - cv2.GaussianBlur(x, (0, 0), SIGMA)
    detail = np.sign(detail) * np.maximum(np.abs(detail) - GRAIN, 0)  # soft threshold
    kernel = np.ones((3, 3), np.uint8)
    low, high = cv2.erode(luma, kernel), cv2.dilate(luma, kernel)
    sharp = np.clip(x + amount * detail, low, high)
    return (sharp + 0.5).astype(np.uint8)
