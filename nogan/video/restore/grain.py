"""Grain: film grain averaged away along the motion, detail kept where the motion is not followed.

The previous restored frame (already averaged: the filter is recursive, so its memory spans many
frames) and the next frame, both aligned onto this one, are averaged with it. Each neighbour's weight
falls from full to none as its local difference from this frame grows from what grain explains to
what it does not: where the flow missed (moving, deforming or uncovered things) the frame keeps its
own pixels and detail, and dust on a neighbour never leaks in.
"""
from __future__ import annotations

import cv2
import numpy as np

from .motion import Aligned

_RECURSIVE_WEIGHT = 2.0  # the previous restored frame's weight at strength 1 (the next frame's is 1)
_AGREE = 1.0  # local differences under this many grain deviations: full weight
_DISAGREE = 2.5  # ... over this many: none


def grain_noise(luma: np.ndarray, aligned: np.ndarray, reliable: np.ndarray) -> float:
    """The grain's standard deviation in `luma`, from its difference to a raw neighbour aligned onto it."""
    diff = (luma - aligned)[reliable > 0.5]
    if diff.size < 64:
        return 0.0
    return float(1.4826 * np.median(np.abs(diff - np.median(diff))) / np.sqrt(2))


def reduce_grain(luma: np.ndarray, previous: Aligned | None, following: Aligned | None, noise: float,
                 strength: float) -> np.ndarray:
    """`luma` averaged with the previous restored frame and the next frame (float32 H x W, 0-255).

    `noise` is the grain's standard deviation, `strength` (0-1) scales the neighbours' weights.
    """
    if strength <= 0 or noise <= 0:
        return luma
    total, weights = luma.copy(), np.ones_like(luma)
    for neighbour, weight in ((previous, _RECURSIVE_WEIGHT), (following, 1.0)):
        if neighbour is None:
            continue
        image, reliable = neighbour
        difference = np.abs(cv2.blur(image - luma, (3, 3))) / (noise * np.sqrt(2 / 9))
        agree = np.clip((_DISAGREE - difference) / (_DISAGREE - _AGREE), 0, 1)
        w = (strength * weight) * agree * reliable
        total += w * image
        weights += w
    return total / weights
