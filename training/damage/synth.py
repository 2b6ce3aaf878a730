"""Procedural old-photo damage: (clean grey photo, rng) -> (damaged photo, exact damage mask).

Damage is painted as an opacity map `alpha` in [0, 1] and a tone map `tone` that each defect
pulls the photo towards: `damaged = photo * (1 - alpha) + tone * alpha`. A pixel is damage when
the defect covers it noticeably (alpha >= MASK_ALPHA) and changes it visibly (>= MASK_DELTA grey
levels, above moderate grain), so a white scratch across white sky is not asked of the model.
Ageing that is not damage (fading, blur, grain, JPEG) is applied around the defects and never
enters the mask: blur before (the print aged), fading before the defects or, for half the faded
prints, after them (so dark defects are often no darker than the print's blacks), grain and
compression last (the scan sees everything).

Defects, after the real scans in ../shared/data/old_photos: dust specks down to one pixel, hairs
and fibres, long thin scratches (straight or curved, bright or dark, sometimes broken), wide soft
abrasions, crack networks, folds, mould spots, blotches and water stains, torn corners. Look-alikes that are
not damage (lettering on the film border, printed dot patterns) are drawn into the photo first.
"""
from __future__ import annotations

import cv2
import numpy as np

MASK_ALPHA = 0.3
MASK_DELTA = 12.0
Rng = np.random.Generator


def _tone(rng: Rng, bright: float = 0.7) -> float:
    """Bright (emulsion gone, paper shows) or dark (dirt, negative damage) grey level."""
    return rng.uniform(205, 255) if rng.random() < bright else rng.uniform(0, 60)


def _stroke(layer: np.ndarray, points: np.ndarray, width: float, soft: float) -> None:
    """Draw an anti-aliased polyline of `width` px into a float layer (max-combined), softened."""
    h, w = layer.shape
    canvas = np.zeros((h, w), np.uint8)
    pts = np.round(points * 16).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(canvas, [pts], False, 255, max(1, round(width)), cv2.LINE_AA, shift=4)
    stroke = canvas.astype(np.float32) / 255
    if soft > 0:
        stroke = cv2.GaussianBlur(stroke, (0, 0), soft)
        stroke /= max(stroke.max(), 1e-6)
    np.maximum(layer, stroke, out=layer)


def _curve(rng: Rng, h: int, w: int, length: float, bend: float, n: int = 24) -> np.ndarray:
    """Points of a smooth random curve of about `length` px; `bend` radians of drift per step."""
    x, y = rng.uniform(-0.1 * w, 1.1 * w), rng.uniform(-0.1 * h, 1.1 * h)
    # scratches on film run mostly along its length; prints get every direction
    angle = rng.normal(np.pi / 2, 0.15) if rng.random() < 0.5 else rng.uniform(0, np.pi)
    turn = rng.normal(0, bend)
    pts = []
    for _ in range(n):
        pts.append((x, y))
        x, y = x + np.cos(angle) * length / n, y + np.sin(angle) * length / n
        angle += turn + rng.normal(0, bend * 0.5)
    return np.array(pts, np.float32)


def _paint(alpha: np.ndarray, tone: np.ndarray, shape: np.ndarray, value: float | np.ndarray,
           opacity: float) -> None:
    """Lay a defect (coverage `shape` in [0, 1]) over earlier ones."""
    a = shape * opacity
    tone[:] = np.where(a > 0, (tone * alpha + value * a) / np.maximum(alpha + a, 1e-6), tone)
    np.maximum(alpha, a, out=alpha)


def dust(alpha, tone, rng: Rng, count: int) -> None:
    h, w = alpha.shape
    for _ in range(count):
        layer = np.zeros((h, w), np.float32)
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.choice([0.5, 0.8, 1.2, 2.0, 3.5], p=[0.35, 0.25, 0.2, 0.14, 0.06])
        if r <= 0.5:  # a single pixel
            layer[int(y), int(x)] = 1.0
        else:
            axes = (max(1, round(r * 16)), max(1, round(r * rng.uniform(0.5, 1.2) * 16)))
            canvas = np.zeros((h, w), np.uint8)
            cv2.ellipse(canvas, (int(x * 16), int(y * 16)), axes, rng.uniform(0, 180), 0, 360, 255,
                        -1, cv2.LINE_AA, shift=4)
            layer = canvas.astype(np.float32) / 255
        _paint(alpha, tone, layer, _tone(rng, 0.75), rng.uniform(0.6, 1.0))


def hairs(alpha, tone, rng: Rng, count: int) -> None:
    h, w = alpha.shape
    for _ in range(count):
        layer = np.zeros((h, w), np.float32)
        pts = _curve(rng, h, w, rng.uniform(8, 0.4 * max(h, w)), 0.25, n=12)
        pts = pts - pts[0] + (rng.uniform(0, w), rng.uniform(0, h))
        _stroke(layer, pts, 1, rng.uniform(0, 0.5))
        _paint(alpha, tone, layer, _tone(rng, 0.5), rng.uniform(0.6, 1.0))


def scratches(alpha, tone, rng: Rng, count: int, wide: bool) -> None:
    h, w = alpha.shape
    for _ in range(count):
        layer = np.zeros((h, w), np.float32)
        pts = _curve(rng, h, w, rng.uniform(0.5, 1.5) * max(h, w), rng.choice([0.0, 0.01, 0.04]))
        width = rng.uniform(3, 10) if wide else rng.choice([1, 1, 2, 3])
        _stroke(layer, pts, width, rng.uniform(0.5, 2.5) if wide else rng.uniform(0, 0.7))
        if rng.random() < 0.3:  # broken scratch: the stylus lifted in places
            layer *= cv2.resize(rng.random((8, 8)).astype(np.float32), (w, h)) > 0.35
        _paint(alpha, tone, layer, _tone(rng, 0.45), rng.uniform(0.5, 1.0) if wide else rng.uniform(0.6, 1.0))


def cracks(alpha, tone, rng: Rng, count: int) -> None:
    """Branching jagged lines: cracked emulsion, where white paper shows through, or a cracked glass
    negative or dirt in the crack, which print dark (half of them)."""
    h, w = alpha.shape
    layer = np.zeros((h, w), np.float32)
    for _ in range(count):
        stack = [(rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0, 2 * np.pi), 0)]
        while stack:
            x, y, angle, depth = stack.pop()
            pts = [(x, y)]
            for _ in range(rng.integers(4, 14)):
                angle += rng.normal(0, 0.5)
                x, y = x + np.cos(angle) * rng.uniform(3, 12), y + np.sin(angle) * rng.uniform(3, 12)
                pts.append((x, y))
                if depth < 3 and rng.random() < 0.12:
                    stack.append((x, y, angle + rng.choice([-1, 1]) * rng.uniform(0.5, 1.3), depth + 1))
            _stroke(layer, np.array(pts, np.float32), rng.choice([1, 1, 2]), rng.uniform(0, 0.5))
    _paint(alpha, tone, layer, _tone(rng, 0.5), rng.uniform(0.6, 1.0))


def fold(alpha, tone, rng: Rng) -> None:
    """A crease across the print: a bright worn ridge, slightly curved."""
    h, w = alpha.shape
    layer = np.zeros((h, w), np.float32)
    _stroke(layer, _curve(rng, h, w, 1.6 * max(h, w), 0.005), rng.uniform(2, 5), rng.uniform(0.8, 2))
    _paint(alpha, tone, layer, rng.uniform(190, 245), rng.uniform(0.5, 0.9))


def blotches(alpha, tone, rng: Rng, count: int) -> None:
    """Stains and water marks: smoothed-noise blobs, some as rings with a darker tide line. Their
    tone is far from the photo's (bare paper or dirt): a faint wide veil is not something a
    detector can tell from a darker part of the scene, and teaching it so marks shadows."""
    h, w = alpha.shape
    for _ in range(count):
        size = rng.uniform(0.03, 0.2) * max(h, w)
        noise = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), size / 6)
        yy, xx = np.mgrid[:h, :w]
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        falloff = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * size ** 2)).astype(np.float32)
        field = (noise - noise.mean()) / (noise.std() + 1e-6) * 0.3 + falloff
        blob = np.clip((field - 0.5) * 6, 0, 1)
        if rng.random() < 0.35:  # water stain: only the tide line
            blob = np.clip(blob * (1 - blob) * 4, 0, 1)
        _paint(alpha, tone, blob, _tone(rng, 0.5), rng.uniform(0.5, 0.9))


def blob_outline(rng: Rng, h: int, w: int, radius: tuple[float, float],
                 wobble: tuple[float, float]) -> np.ndarray:
    """(n, 2) float (x, y) corners of an irregular blob somewhere in an h x w picture: 6-11 corners
    at random angles, a radius drawn from `radius` (px) times a per-corner factor from `wobble`."""
    centre = rng.uniform([0, 0], [w, h])
    angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(6, 12))))
    radii = rng.uniform(*radius) * rng.uniform(*wobble, len(angles))
    return centre + radii[:, None] * np.stack([np.cos(angles), np.sin(angles)], 1)


def spots(alpha, tone, rng: Rng, count: int) -> None:
    """Mould and emulsion spots: compact irregular blobs, wider than dust (3-28 px), hard or
    soft-edged, often darker at the rim."""
    h, w = alpha.shape
    for _ in range(count):
        canvas = np.zeros((h, w), np.uint8)
        polygon = blob_outline(rng, h, w, (1.5, 14), (0.6, 1.4))
        cv2.fillPoly(canvas, [np.round(polygon * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
        layer = canvas.astype(np.float32) / 255
        if rng.random() < 0.5:
            layer = cv2.GaussianBlur(layer, (0, 0), rng.uniform(0.5, 1.5))
            layer /= max(layer.max(), 1e-6)
        _paint(alpha, tone, layer, _tone(rng, 0.5), rng.uniform(0.5, 0.95))


def torn_corner(alpha, tone, rng: Rng) -> None:
    """A corner or edge piece missing: a jagged polygon of bare paper (or the dark scan bed)."""
    h, w = alpha.shape
    cx, cy = rng.choice([0, w]), rng.choice([0, h])
    reach = rng.uniform(0.08, 0.3) * min(h, w)
    angles = np.linspace(0, np.pi / 2, 10)
    sx, sy = (1 if cx == 0 else -1), (1 if cy == 0 else -1)
    radii = reach * rng.uniform(0.6, 1.3, len(angles))
    pts = [(cx, cy)] + [(cx + sx * r * np.cos(a), cy + sy * r * np.sin(a)) for r, a in zip(radii, angles)]
    canvas = np.zeros((h, w), np.uint8)
    cv2.fillPoly(canvas, [np.round(np.array(pts) * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    _paint(alpha, tone, canvas.astype(np.float32) / 255, rng.uniform(225, 255) if rng.random() < 0.7
           else rng.uniform(0, 30), 1.0)


def look_alikes(photo: np.ndarray, rng: Rng) -> np.ndarray:
    """Things in real scans that are not damage but look like it: the film's dark border with
    its white lettering (negative numbers), and regular dot patterns (printed fabric). Drawn into
    the photo before any damage, so the mask never marks them."""
    h, w = photo.shape
    photo = photo.copy()
    if rng.random() < 0.25:
        edge = int(rng.integers(1, 4))
        band = int(rng.uniform(0.06, 0.2) * (h if edge % 2 else w))
        region = (slice(h - band, h), slice(None)) if edge == 1 else (slice(None), slice(w - band, w)) \
            if edge == 2 else (slice(0, band), slice(None))
        photo[region] = rng.uniform(0, 35)
        text = "".join(rng.choice(list("0123456789-ABCDEFOWI"), int(rng.integers(5, 12))))
        canvas = np.zeros((h, w), np.uint8)
        along = int(rng.uniform(0, w / 2))
        org = {1: (along, h - band // 3), 2: (w - band + 2, int(rng.uniform(h / 4, h))), 3: (along, band * 2 // 3)}[edge]
        cv2.putText(canvas, text, org, cv2.FONT_HERSHEY_SIMPLEX, rng.uniform(0.3, 0.6), 255,
                    int(rng.integers(1, 3)), cv2.LINE_AA)
        photo = np.maximum(photo, canvas.astype(np.float32) * rng.uniform(0.7, 1.0))
    if rng.random() < 0.2:
        pitch, r = rng.uniform(4, 10), rng.uniform(0.8, 2.5)
        y0, x0 = rng.uniform(0, h * 0.6), rng.uniform(0, w * 0.6)
        y1, x1 = y0 + rng.uniform(0.2, 0.5) * h, x0 + rng.uniform(0.2, 0.5) * w
        dots = np.zeros((h, w), np.uint8)
        for y in np.arange(y0, y1, pitch):
            for x in np.arange(x0 + (pitch / 2 if int(y / pitch) % 2 else 0), x1, pitch):
                cv2.circle(dots, (int(x * 16), int(y * 16)), int(r * 16), 255, -1, cv2.LINE_AA, shift=4)
        tone = 230.0 if rng.random() < 0.6 else 20.0
        a = dots.astype(np.float32) / 255 * rng.uniform(0.6, 1.0)
        photo = photo * (1 - a) + tone * a
    return photo


def fading(rng: Rng) -> tuple[float, float] | None:
    """The black and white levels of a faded print; None for the 40 % of prints that kept theirs."""
    return (rng.uniform(0, 70), rng.uniform(185, 255)) if rng.random() < 0.6 else None


def fade(photo: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """Lower contrast and lifted blacks (float grey 0..255 in and out)."""
    lo, hi = levels
    return lo + photo * (hi - lo) / 255


def age(photo: np.ndarray, rng: Rng, levels: tuple[float, float] | None) -> np.ndarray:
    """Fading (to `levels`, if any) and blur of the print itself (float grey 0..255 in and out)."""
    if levels is not None:
        photo = fade(photo, levels)
    if rng.random() < 0.4:
        photo = cv2.GaussianBlur(photo, (0, 0), rng.uniform(0.4, 1.5))
    return photo


def scan(image: np.ndarray, rng: Rng) -> np.ndarray:
    """Grain (fine or clumped), slight softness of the scan and JPEG, float in, uint8 out."""
    if rng.random() < 0.3:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 0.7))
    if rng.random() < 0.75:
        noise = rng.normal(0, 1, image.shape).astype(np.float32)
        if rng.random() < 0.5:
            noise = cv2.GaussianBlur(noise, (0, 0), rng.uniform(0.5, 1.2))
            noise /= noise.std() + 1e-6
        image = image + noise * rng.uniform(2, 14)
    out = np.clip(image, 0, 255).round().astype(np.uint8)
    if rng.random() < 0.4:
        _, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(40, 95))])
        out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return out


def damage(photo: np.ndarray, rng: Rng, clean_prob: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) uint8 grey photo -> (damaged (H, W) uint8, damage mask (H, W) bool).

    Amounts scale with the area, so a crop of any size carries a like density of defects;
    `clean_prob` of the samples get ageing only (an empty mask), which teaches restraint.
    """
    if photo.ndim != 2 or photo.dtype != np.uint8:
        raise ValueError(f"photo must be (H, W) uint8, got {photo.shape} {photo.dtype}")
    h, w = photo.shape
    # a print fades before it is scratched, or with the damage it already had (a damaged
    # negative's defects are in every print of it): then dark defects are no darker than its blacks
    levels = fading(rng)
    faded_late = levels is not None and rng.random() < 0.5
    base = age(look_alikes(photo.astype(np.float32), rng), rng, None if faded_late else levels)
    alpha, tone = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    if rng.random() >= clean_prob:
        area = h * w / 256 ** 2
        dust(alpha, tone, rng, int(rng.integers(0, 120) * area * rng.random()))
        if rng.random() < 0.5:
            hairs(alpha, tone, rng, int(rng.integers(1, 4)))
        if rng.random() < 0.6:
            scratches(alpha, tone, rng, int(rng.integers(1, 6)), wide=False)
        if rng.random() < 0.3:
            scratches(alpha, tone, rng, int(rng.integers(1, 3)), wide=True)
        if rng.random() < 0.25:
            cracks(alpha, tone, rng, int(rng.integers(1, 5)))
        if rng.random() < 0.15:
            fold(alpha, tone, rng)
        if rng.random() < 0.2:
            blotches(alpha, tone, rng, int(rng.integers(1, 3)))
        if rng.random() < 0.35:
            spots(alpha, tone, rng, int(rng.integers(1, 5)))
        if rng.random() < 0.1:
            torn_corner(alpha, tone, rng)
    damaged = base * (1 - alpha) + tone * alpha
    if faded_late:
        base, damaged = fade(base, levels), fade(damaged, levels)
    mask = (alpha >= MASK_ALPHA) & (np.abs(damaged - base) >= MASK_DELTA)
    return scan(damaged, rng), mask
