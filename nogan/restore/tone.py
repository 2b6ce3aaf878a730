"""Undoing fading: tone range, local contrast and colour cast.

Each correction measures how faded the picture is and scales itself by that, so a photo with
a healthy tone range and neutral greys passes through (nearly) unchanged. All work on 8-bit
luminance (and, for colour, the a*b* chroma of CIE Lab), through monotonic maps or bounded local
operators: highlights are compressed towards white, never clipped flat into it.
"""
from __future__ import annotations

import cv2
import numpy as np

LOW_PERCENTILE, HIGH_PERCENTILE = 0.5, 99.5
BLACK, WHITE = 4, 248  # where the percentiles land: a little headroom keeps highlight detail
MAX_GAIN = 3.0  # a nearly flat picture (fog, sky) is not stretched into noise
CLAHE_CLIP, CLAHE_TILES = 2.0, 8
CLAHE_SHARE = 0.5  # of the CLAHE result blended in at most: local contrast, not a new tone balance
FADED_FROM, FADED_FULLY = 0.35, 0.6  # share of the tone range lost where restoring starts / is complete
# share of the range still missing after auto levels (whose gain is capped) where local contrast
# starts / is full: a full stretch brings a faded print's tones back, CLAHE would add to them
FLAT_FROM, FLAT_FULLY = 0.1, 0.25
NEUTRAL_SHARE = 0.3  # the least saturated 30 % of pixels are taken to be grey in the original
CAST_BANDS = 8  # lightness bands in which the cast is measured
CAST_FROM, CAST_FULLY = 2.0, 6.0  # a*b* offset (8-bit Lab units) where cast removal starts / is complete


def tone_range(luma: np.ndarray) -> tuple[float, float]:
    """The LOW_PERCENTILE and HIGH_PERCENTILE grey levels of `luma` (uint8), from its histogram."""
    cdf = np.cumsum(np.bincount(luma.ravel(), minlength=256)) / luma.size
    lo, hi = np.searchsorted(cdf, [LOW_PERCENTILE / 100, HIGH_PERCENTILE / 100])
    return float(lo), float(hi)


def levels_curve(luma: np.ndarray) -> np.ndarray:
    """A 256-entry monotonic map that stretches the percentile range of `luma` (uint8) to
    BLACK..WHITE, widening only, gain at most MAX_GAIN; the tails are compressed linearly into
    what is left, so no tone is clipped."""
    lo, hi = tone_range(luma)
    new_lo, new_hi = min(lo, BLACK), max(hi, WHITE)
    if hi - lo < 1:
        return np.arange(256, dtype=np.float32)
    gain = (new_hi - new_lo) / (hi - lo)
    if gain > MAX_GAIN:
        centre = (new_lo + new_hi) / 2
        new_lo, new_hi = centre - MAX_GAIN * (hi - lo) / 2, centre + MAX_GAIN * (hi - lo) / 2
    return np.interp(np.arange(256), [0, lo, hi, 255], [0, new_lo, new_hi, 255]).astype(np.float32)


def fading(luma: np.ndarray) -> float:
    """Share of the 0..255 range that the picture's tones do not reach (0 for a full range)."""
    lo, hi = tone_range(luma)
    return float(1 - (hi - lo) / 255)


def restore_contrast(luma: np.ndarray) -> np.ndarray:
    """Auto levels by how faded `luma` (H, W) uint8 was, then CLAHE blended in by how much of the
    tone range the levels could not bring back (a nearly flat picture). Returns uint8."""
    strength = float(np.clip((fading(luma) - FADED_FROM) / (FADED_FULLY - FADED_FROM), 0, 1))
    if strength == 0:
        return luma.copy()
    stretch = levels_curve(luma)
    curve = strength * stretch + (1 - strength) * np.arange(256, dtype=np.float32)
    leveled = np.clip(curve[luma] + 0.5, 0, 255).astype(np.uint8)
    lo, hi = tone_range(luma)
    still_missing = 1 - (stretch[int(hi)] - stretch[int(lo)]) / 255  # after the full stretch
    flat = strength * float(np.clip((still_missing - FLAT_FROM) / (FLAT_FULLY - FLAT_FROM), 0, 1))
    if flat == 0:
        return leveled
    clahe = cv2.createCLAHE(CLAHE_CLIP, (CLAHE_TILES, CLAHE_TILES)).apply(leveled).astype(np.float32)
    base = leveled.astype(np.float32)
    # CLAHE maps each tile's brightest plateau to white: let no pixel go more than half of the way
    # from its level to white or black, so bright and dark areas keep their detail
    local = np.clip(base + CLAHE_SHARE * flat * (clahe - base), base * 0.5, base + (255 - base) * 0.5)
    return (local + 0.5).astype(np.uint8)


def colour_cast(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The a*b* offset from neutral of the least saturated pixels of an 8-bit Lab picture, per
    lightness band (a dye's loss tints highlights more than shadows): (band centres (B,),
    offsets (B, 2))."""
    sample = lab[::2, ::2].reshape(-1, 3).astype(np.float32)
    lightness, ab = sample[:, 0], sample[:, 1:] - 128
    chroma = np.hypot(ab[:, 0], ab[:, 1])
    edges = np.quantile(lightness, np.linspace(0, 1, CAST_BANDS + 1))
    band = np.clip(np.searchsorted(edges, lightness, side="right") - 1, 0, CAST_BANDS - 1)
    centres, offsets = [], []
    for b in range(CAST_BANDS):
        inside = band == b
        if np.count_nonzero(inside) < 16:
            continue
        neutral = inside & (chroma <= np.quantile(chroma[inside], NEUTRAL_SHARE))
        centres.append(lightness[inside].mean())
        offsets.append(ab[neutral].mean(axis=0))
    return np.array(centres), np.array(offsets)


def remove_cast(lab: np.ndarray) -> np.ndarray:
    """Shift a*b* so the picture's near-greys become grey; a slight offset (warm light, paper
    tone) is left alone, a strong one (a faded print's dye loss) removed. Returns uint8 Lab."""
    centres, offsets = colour_cast(lab)
    size = float(np.hypot(offsets[:, 0], offsets[:, 1]).mean()) if len(centres) else 0.0
    share = np.clip((size - CAST_FROM) / (CAST_FULLY - CAST_FROM), 0, 1)
    if share == 0:
        return lab
    levels = np.arange(256)
    shift = share * np.stack([np.interp(levels, centres, offsets[:, i]) for i in (0, 1)], axis=1)
    out = lab.copy()
    out[:, :, 1:] = np.clip(lab[:, :, 1:] - shift[lab[:, :, 0]] + 0.5, 0, 255).astype(np.uint8)
    return out
