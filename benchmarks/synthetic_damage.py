"""Synthetic damage for measuring restoration, independent of the training data's generator.

`damage(clean, rng)` returns the damaged picture and the mask of the pixels the defects changed.
A photo ages here in the order a print does: it softens (blur), collects defects (scratches, dust,
hairs, cracks, stains, each a grey level blended in through a soft-edged opacity), fades (contrast
loss and veiled blacks) and is scanned with grain. The mask counts a pixel as damaged where a
defect's opacity is at least `MASK_OPACITY`; grain, fading and blur are not damage to find.
"""
from __future__ import annotations

import cv2
import numpy as np

MASK_OPACITY = 0.3


def _bright_or_dark(rng: np.random.Generator) -> float:
    return float(rng.uniform(215, 255) if rng.random() < 0.5 else rng.uniform(0, 45))


def _curve(rng: np.random.Generator, w: int, h: int, length: float, bend: float) -> np.ndarray:
    """Points of a quadratic Bezier curve of about `length` px, its middle pulled aside by `bend`."""
    start = rng.uniform([0, 0], [w, h])
    angle = rng.uniform(0, np.pi)
    end = start + length * np.array([np.cos(angle), np.sin(angle)])
    middle = (start + end) / 2 + bend * length * np.array([-np.sin(angle), np.cos(angle)]) * rng.uniform(-1, 1)
    t = np.linspace(0, 1, max(8, int(length / 4)))[:, None]
    return (1 - t) ** 2 * start + 2 * (1 - t) * t * middle + t ** 2 * end


def _draw(layer: np.ndarray, opacity: np.ndarray, shape_mask: np.ndarray, value: float, alpha: float) -> None:
    """Blend `value` at `alpha` where `shape_mask` (float 0..1 coverage) is set."""
    a = alpha * shape_mask
    layer[:] = np.where(a > opacity, value, layer)
    np.maximum(opacity, a, out=opacity)


def _stroke(h: int, w: int, points: np.ndarray, width: int, softness: float) -> np.ndarray:
    canvas = np.zeros((h, w), np.uint8)
    cv2.polylines(canvas, [np.round(points).astype(np.int32)], False, 255, width, cv2.LINE_AA)
    coverage = canvas.astype(np.float32) / 255
    return cv2.GaussianBlur(coverage, (0, 0), softness) if softness > 0 else coverage


def damage(clean: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) uint8 clean -> (damaged (H, W) uint8, mask (H, W) bool)."""
    h, w = clean.shape
    side = max(h, w)
    x = clean.astype(np.float32)
    blur = rng.uniform(0, 0.9)
    if blur > 0.3:
        x = cv2.GaussianBlur(x, (0, 0), blur)
    layer = np.zeros((h, w), np.float32)
    opacity = np.zeros((h, w), np.float32)
    for _ in range(rng.integers(1, 4)):  # long scratches, mostly straight, 1-3 px
        points = _curve(rng, w, h, side * rng.uniform(0.4, 1.2), bend=rng.uniform(0, 0.15))
        shape = _stroke(h, w, points, int(rng.integers(1, 4)), rng.uniform(0, 0.7))
        _draw(layer, opacity, shape, _bright_or_dark(rng), rng.uniform(0.6, 1.0))
    for _ in range(rng.integers(0, 3)):  # hairs: thin, curly
        points = _curve(rng, w, h, side * rng.uniform(0.05, 0.2), bend=0.6)
        _draw(layer, opacity, _stroke(h, w, points, 1, 0.4), _bright_or_dark(rng), rng.uniform(0.6, 0.95))
    if rng.random() < 0.5:  # a crack: a jagged line with a branch
        points = np.cumsum(rng.normal(0, 1, (30, 2)) * [side / 50, side / 50] + [side / 40, 0], axis=0)
        points = points @ np.array([[np.cos(a := rng.uniform(0, np.pi)), np.sin(a)], [-np.sin(a), np.cos(a)]])
        points += rng.uniform([0, 0], [w, h])
        branch = points[10] + np.cumsum(rng.normal(0, side / 60, (10, 2)), axis=0)
        for line in (points, branch):
            _draw(layer, opacity, _stroke(h, w, line, int(rng.integers(1, 3)), 0.3), rng.uniform(0, 40), 0.9)
    dust = np.zeros((h, w), np.uint8)
    for _ in range(rng.integers(15, 60)):  # dust specks of 1-5 px
        centre = tuple(int(v) for v in rng.uniform([0, 0], [w, h]))
        axes = tuple(int(v) for v in rng.integers(0, 3, 2))
        cv2.ellipse(dust, centre, axes, float(rng.uniform(0, 180)), 0, 360, 255, -1)
    bright = rng.random() < 0.7
    _draw(layer, opacity, dust.astype(np.float32) / 255, 245.0 if bright else 20.0, rng.uniform(0.7, 1.0))
    for _ in range(rng.integers(0, 3)):  # stains: irregular blobs with soft edges
        centre = rng.uniform([0, 0], [w, h])
        angles = np.sort(rng.uniform(0, 2 * np.pi, 9))
        radii = side * rng.uniform(0.01, 0.035) * rng.uniform(0.6, 1.4, 9)
        polygon = centre + radii[:, None] * np.stack([np.cos(angles), np.sin(angles)], 1)
        blob = np.zeros((h, w), np.uint8)
        cv2.fillPoly(blob, [np.round(polygon).astype(np.int32)], 255)
        shape = cv2.GaussianBlur(blob.astype(np.float32) / 255, (0, 0), 1.0)
        _draw(layer, opacity, shape, _bright_or_dark(rng), rng.uniform(0.5, 0.85))
    x = x * (1 - opacity) + layer * opacity
    contrast, veil = rng.uniform(0.65, 1.0), rng.uniform(0, 35)  # fading
    x = x * contrast + veil + (1 - contrast) * 128 * rng.uniform(0, 0.5)
    x += rng.normal(0, rng.uniform(2, 8), (h, w))  # grain
    return np.clip(x + 0.5, 0, 255).astype(np.uint8), opacity >= MASK_OPACITY
