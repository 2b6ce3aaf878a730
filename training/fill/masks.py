"""Procedural hole masks of the damage the learned fill is for: defects too wide for Telea.

`wide_holes` draws wide scratches (3-15 px), mould spots and blobs (up to ~20 px across) and, for
variety in training (`extras`), the damage generator's cracks, folds, stains and torn corners
(`training.damage.synth`), all grown by the pixel `nogan.restore.restorer.repair_mask` adds around
a detected defect. Amounts scale with the area, so crops of any size carry a like density.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..damage import synth

Rng = np.random.Generator
COVER = 0.3  # a defect's opacity from which its pixel is a hole (synth.MASK_ALPHA)
MAX_COVERAGE = 0.35  # at most this fraction of a picture is holes: the fill needs surroundings


def strokes(holes: np.ndarray, rng: Rng, count: int) -> None:
    """Wide scratches, 3-15 px: smooth random curves across the picture, in place."""
    h, w = holes.shape
    for _ in range(count):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        angle, turn, points = rng.uniform(0, np.pi), rng.normal(0, 0.03), []
        step = rng.uniform(0.3, 1.2) * max(h, w) / 12
        for _ in range(13):
            points.append((x, y))
            x, y, angle = x + np.cos(angle) * step, y + np.sin(angle) * step, angle + turn + rng.normal(0, 0.02)
        # both directions from the start point, so short strokes may also lie inside the picture
        pts = np.array(points, np.float32) - np.array(points[6], np.float32) + np.array(points[0], np.float32)
        cv2.polylines(holes, [np.round(pts * 16).astype(np.int32)], False, 1, int(rng.integers(3, 16)),
                      cv2.LINE_8, shift=4)


def blobs(holes: np.ndarray, rng: Rng, count: int) -> None:
    """Irregular compact blobs 4-20 px across (mould, emulsion lifted), in place."""
    h, w = holes.shape
    for _ in range(count):
        polygon = synth.blob_outline(rng, h, w, (2, 10), (0.6, 1.0))
        cv2.fillPoly(holes, [np.round(polygon * 16).astype(np.int32)], 1, cv2.LINE_8, shift=4)


def _synth_defects(h: int, w: int, rng: Rng) -> np.ndarray:
    """The damage generator's wide shapes as a bool mask (their tones are not needed)."""
    alpha, tone = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    if rng.random() < 0.5:
        synth.scratches(alpha, tone, rng, int(rng.integers(1, 3)), wide=True)
    if rng.random() < 0.3:
        synth.cracks(alpha, tone, rng, int(rng.integers(1, 3)))
    if rng.random() < 0.2:
        synth.fold(alpha, tone, rng)
    if rng.random() < 0.2:
        synth.blotches(alpha, tone, rng, 1)
    if rng.random() < 0.4:
        synth.spots(alpha, tone, rng, int(rng.integers(1, 5)))
    if rng.random() < 0.1:
        synth.torn_corner(alpha, tone, rng)
    return alpha >= COVER


def wide_holes(h: int, w: int, rng: Rng, extras: bool = True) -> np.ndarray:
    """(h, w) bool hole mask, never empty; drawn again without the extras when they cover more
    than MAX_COVERAGE of the picture."""
    area = h * w / 256 ** 2
    holes = np.zeros((h, w), np.uint8)
    strokes(holes, rng, max(1, round(rng.integers(1, 4) * area)))
    blobs(holes, rng, round(rng.integers(0, 10) * area))
    if extras:
        holes |= _synth_defects(h, w, rng).astype(np.uint8)
    holes = cv2.dilate(holes, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    if extras and holes.mean() > MAX_COVERAGE:  # a huge stain or torn corner: draw again without
        return wide_holes(h, w, rng, extras=False)
    return holes.astype(bool)
