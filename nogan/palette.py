"""Palette transfer: give a coloured picture the colours of a reference photo.

Reinhard et al., "Color Transfer between Images" (2001), on the chroma only and per luminance
band: in CIELAB, the a*, b* mean and spread of the picture's shadows, midtones and highlights
are matched to those of the reference's (shadows of old film stock and sunlit skies rarely share
a palette), the bands blended smoothly by each pixel's lightness. The picture keeps its own
luminance, as everywhere in nogan, so only colours change.
"""
from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from .imaging import ImageInput, keep_luminance, load_image

BANDS = (20.0, 50.0, 80.0)  # L* centres of the shadow, midtone and highlight bands
_BAND_WIDTH = 20.0  # L*: Gaussian width of each band
_MAX_GAIN = 3.0  # a flat, nearly grey band cannot be stretched into noise


def transfer_palette(image: ImageInput, reference: ImageInput, strength: float = 1.0) -> Image.Image:
    """`image` with its chroma statistics moved towards `reference`'s; "RGB" of `image`'s size.

    strength: 0 leaves the picture as it is, 1 matches the reference's statistics fully.
    """
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength={strength!r} must be from 0 (unchanged) to 1")
    source = load_image(image).convert("RGB")
    lab = _lab(source)
    ref = _lab(load_image(reference).convert("RGB"))
    weights, ref_weights = _band_weights(lab[:, :, 0]), _band_weights(ref[:, :, 0])
    ab = lab[:, :, 1:].reshape(-1, 2)
    moved = np.zeros_like(ab)
    for w, rw in zip(weights, ref_weights):
        mean, spread = _stats(ab, w)
        ref_mean, ref_spread = _stats(ref[:, :, 1:].reshape(-1, 2), rw)
        gain = np.minimum(ref_spread / np.maximum(spread, 1e-3), _MAX_GAIN)
        moved += w[:, None] * ((ab - mean) * gain + ref_mean)
    lab[:, :, 1:] = (ab + strength * (moved - ab)).reshape(lab.shape[0], lab.shape[1], 2)
    rgb = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)
    result = Image.fromarray(np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8))
    return keep_luminance(source, result)


def _lab(image: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(image, dtype=np.float32) / 255, cv2.COLOR_RGB2LAB)


def _band_weights(lightness: np.ndarray) -> list[np.ndarray]:
    """Per band, each pixel's share (summing to 1 over the bands)."""
    flat = lightness.ravel()
    raw = np.stack([np.exp(-((flat - c) / _BAND_WIDTH) ** 2 / 2) for c in BANDS])
    return list(raw / raw.sum(axis=0, keepdims=True))


def _stats(ab: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    total = max(float(weight.sum()), 1e-6)
    mean = (weight[:, None] * ab).sum(axis=0) / total
    spread = np.sqrt((weight[:, None] * (ab - mean) ** 2).sum(axis=0) / total)
    return mean, spread
