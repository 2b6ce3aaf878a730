"""Dust and dirt (blotches): defects that sit on one frame only.

A pixel is a spike when it differs from both motion-aligned neighbours (the frames before and
after, brought onto this one along the flow; any pixel around its place) in the same direction by
more than the grain can explain: bright dust or dark dirt on this frame and on neither neighbour. Connected spikes are
blotches, repaired from the neighbours' average where the flow is trusted and the neighbours agree
with each other, else inpainted from the frame itself.

Real motion can look like a spike too: a small object too fast for the flow is in a different
place on each frame, so the aligned neighbours show background where this frame shows it. A blotch
is therefore left alone when something like it is near its place in either neighbour as decoded
(not warped, which can smear a small object away): first a cheap test (does the neighbour hold as
bright, or as dark, a pixel within the search radius?), then, for the blotches that pass it,
template matching of the blotch with its rim against the neighbour: matches elsewhere much better
than at the aligned place, in both neighbours, at opposite displacements (as steady motion would
put them) mean the thing moved. A dark blotch matching some dark patch near it is not enough, and
neither is a match that is only somewhat better than the aligned place: a thing that moved is
found again as it was (give or take the grain) or far better than in place, while dust on grass or
gravel matches some blade or stone nearby only roughly.
"""
from __future__ import annotations

import cv2
import numpy as np

from ...restore import repair
from .motion import Alignment

SPIKE_LEVELS = 20.0  # the smallest difference from both neighbours that counts as a spike
NOISE_FACTOR = 4.0  # ... and at least this many times the grain's standard deviation
SEARCH = 1 / 24  # how far a fast object may move between frames, as a share of the longer side
_MIN_SEARCH = 16  # pixels: ... and at least this far
_FOUND_ELSEWHERE = 0.3  # a displaced match this much better (in squared error) than the aligned one: it moved
_FOUND_CLOSELY = 0.1  # ... this much better: a close match (clear in one neighbour only is enough)
_MATCH_GRAIN = 3.5  # ... or within this many grain deviations (per pixel, RMS) of the blotch with its rim
_MATCH_LEVELS = 10.0  # ... or of this many levels, whichever is more
_PEAKED = 0.15  # ... and 3 or 4 pixels off it the match is worse by this share of the in-place error
_SIMILAR = 0.3  # a neighbour's pixel within this share of a spike's strength of its level is like it
_MATCHED_AREA = 6  # pixels a blotch must cover to be matched against the neighbours
_RIM = 2  # pixels of context around a blotch when matching it
_RIM_WEIGHT = 0.15  # ... and their weight (the blotch's own pixels: 1): a moving thing's background changes
_TRUSTED = 0.5  # mean flow reliability over a blotch for its neighbours to be used to repair it
_GATE_EDGE = 0.01  # share of the longer side along the frame's edges where nothing is taken for dust


def spikes(luma: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Signed spike strength: how much brighter (> 0) or darker (< 0) a pixel is than every pixel
    around its place (3 x 3) in both neighbours, else 0. The 3 x 3 forgives a flow off by a pixel
    and the blur of resampling, which would make every fine bright point a spike."""
    square = np.ones((3, 3), np.uint8)
    low = luma - np.maximum(cv2.dilate(before, square), cv2.dilate(after, square))
    high = luma - np.minimum(cv2.erode(before, square), cv2.erode(after, square))
    return np.where(low > 0, low, np.where(high < 0, high, 0)).astype(np.float32)


def spike_threshold(noise: float) -> float:
    """The spike strength above which a pixel is a single-frame defect, for grain of std `noise`."""
    return max(SPIKE_LEVELS, NOISE_FACTOR * noise)


def remove_blotches(luma: np.ndarray, before: np.ndarray, after: np.ndarray, reliable: np.ndarray,
                    noise: float, sources: list[tuple[np.ndarray, Alignment]]) -> tuple[np.ndarray, np.ndarray]:
    """`luma` without its blotches, and the mask (bool H x W) of the pixels that were repaired.

    All images float32 H x W, 0-255; `before` and `after` aligned onto `luma`; `reliable` (0-1) is
    where both alignments can be trusted; `noise` the grain's standard deviation; `sources` the two
    neighbours as decoded (in the tone of `luma`), each with its alignment onto `luma`.
    """
    strength = spikes(luma, before, after)
    # the gate's edges and the frame line stay put while the picture weaves: aligned along the
    # picture's flow, they differ from both neighbours on every frame and are no dust
    edge = max(2, round(_GATE_EDGE * max(luma.shape)))
    strength[:edge] = strength[-edge:] = strength[:, :edge] = strength[:, -edge:] = 0
    threshold = spike_threshold(noise)
    count, labels, stats, _ = cv2.connectedComponentsWithStats((np.abs(strength) > threshold / 2).astype(np.uint8),
                                                               connectivity=8)
    if count <= 1:
        return luma, np.zeros(luma.shape, bool)
    index = labels.ravel()
    peak = np.zeros(count, np.float32)
    np.maximum.at(peak, index, np.abs(strength).ravel())
    blotch = peak > threshold
    blotch[0] = False
    radius = max(_MIN_SEARCH, round(SEARCH * max(luma.shape)))
    nearby = _similar_nearby(luma, strength, sources, radius)
    # a thing of a few pixels cannot be told from dust by its shape: only larger ones are matched
    ambiguous = (np.bincount(index, nearby.ravel(), count) > 0) & (stats[:, cv2.CC_STAT_AREA] >= _MATCHED_AREA)
    padded = [(cv2.copyMakeBorder(image, *[radius + _RIM] * 4, cv2.BORDER_REPLICATE), alignment.where)
              for image, alignment in sources]
    for label in np.flatnonzero(blotch & ambiguous):
        x, y, w, h, _ = stats[label]
        if _moved(luma, padded, labels[y:y + h, x:x + w] == label, stats[label], radius, noise):
            blotch[label] = False
    pixels = np.maximum(np.bincount(index, minlength=count), 1)
    trusted = (np.bincount(index, reliable.ravel(), count) / pixels > _TRUSTED) & \
        (np.bincount(index, np.abs(before - after).ravel(), count) / pixels < threshold / 2)
    grow = np.ones((3, 3), np.uint8)
    from_neighbours = cv2.dilate((blotch & trusted)[labels].astype(np.uint8), grow).astype(bool)
    from_frame = cv2.dilate((blotch & ~trusted)[labels].astype(np.uint8), grow).astype(bool) & ~from_neighbours
    out = np.where(from_neighbours, (before + after) / 2, luma)
    if from_frame.any():
        out = inpaint(out, from_frame)
    return out, from_neighbours | from_frame


def inpaint(luma: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`luma` (float32 0-255) with the `mask` pixels filled from their surroundings within the frame,
    as the photo restoration fills damage."""
    filled = repair.inpaint(np.clip(luma + 0.5, 0, 255).astype(np.uint8), mask)
    return np.where(mask, filled.astype(np.float32), luma)


def _similar_nearby(luma: np.ndarray, strength: np.ndarray, sources: list[tuple[np.ndarray, Alignment]],
                    radius: int) -> np.ndarray:
    """Where a neighbour holds a pixel within `radius` of the aligned place as bright (bright spikes) or as
    dark (dark ones)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * radius + 1, 2 * radius + 1))
    margin = np.maximum(SPIKE_LEVELS, _SIMILAR * np.abs(strength))  # flicker, grain, clipping
    found = np.zeros(luma.shape, bool)
    for image, alignment in sources:
        found |= (strength > 0) & (alignment.warp(cv2.dilate(image, kernel)) >= luma - margin)
        found |= (strength < 0) & (alignment.warp(cv2.erode(image, kernel)) <= luma + margin)
    return found


def _moved(luma: np.ndarray, padded: list[tuple[np.ndarray, np.ndarray]], shape: np.ndarray, stat: np.ndarray,
           radius: int, noise: float) -> bool:
    """Whether the blotch `shape` (bool, over its bounding box `stat`) is a thing that moved.

    `padded` holds the frames before and after as decoded, padded by `radius + _RIM`, each with its
    alignment's `where` onto this frame; `noise` is the grain's standard deviation. A thing that moved
    is found in both far better than in place and about as well as the grain allows, at opposite
    displacements (steady motion, give or take 2 pixels), at one clear place in one of them.
    """
    height, width = luma.shape
    x0, y0 = max(0, stat[0] - _RIM), max(0, stat[1] - _RIM)
    x1, y1 = min(width, stat[0] + stat[2] + _RIM), min(height, stat[1] + stat[3] + _RIM)
    patch = luma[y0:y1, x0:x1]
    weight = np.full(patch.shape, _RIM_WEIGHT, np.float32)
    top, left = stat[1] - y0, stat[0] - x0
    weight[top:top + stat[3], left:left + stat[2]][shape] = 1.0
    centre = np.array([(x0 + x1) // 2, (y0 + y1) // 2])
    errors, shifts = [], []
    for image, where in padded:
        dx, dy = (where[centre[1], centre[0]] - centre).round().astype(int)  # the aligned place
        shifts.append((dx, dy))
        px, py = int(np.clip(x0 + dx, 0, width - (x1 - x0))), int(np.clip(y0 + dy, 0, height - (y1 - y0)))
        # `radius` either side of the aligned place, which is at (radius, radius) of the error map
        window = image[py + _RIM:py + (y1 - y0) + 2 * radius + _RIM, px + _RIM:px + (x1 - x0) + 2 * radius + _RIM]
        errors.append(cv2.matchTemplate(window, patch, cv2.TM_SQDIFF, mask=weight))
    before, after = errors
    scale = max(float(before[radius, radius]), float(after[radius, radius]), 1e-6)
    # steady motion: the displacements in the frame before and after, in frame coordinates, are opposite.
    # Frame coordinates, not relative to the aligned places: the flow near a fast thing can be dragged along
    sx, sy = np.add(*shifts)
    opposite = _shifted(after[::-1, ::-1], sx, sy)  # at i: after's error at displacement -(before's at i)
    both = np.maximum(before, cv2.erode(opposite, np.ones((5, 5), np.uint8)))
    both[radius - 1:radius + 2, radius - 1:radius + 2] = np.inf
    y, x = np.unravel_index(np.argmin(both), both.shape)
    as_it_was = float(weight.sum()) * max(_MATCH_LEVELS, _MATCH_GRAIN * np.sqrt(2) * noise) ** 2
    if not (both[y, x] < _FOUND_ELSEWHERE * scale and (both[y, x] < as_it_was or both[y, x] < _FOUND_CLOSELY * scale)):
        return False
    # a thing matches at one place, not over a stretch of like texture: 3 or 4 pixels off its best
    # match (within the 2 pixels of slack) it matches clearly worse, mostly. When it matches very well,
    # the frame after showing that is enough: in the frame before it may lie beside something like it
    if _peaked(before, y, x, scale):
        return True
    close = both[y, x] < _FOUND_CLOSELY * scale
    y, x = 2 * radius - y - sy, 2 * radius - x - sx  # where steady motion puts it in the frame after
    return close and 0 <= y < after.shape[0] and 0 <= x < after.shape[1] and _peaked(after, y, x, scale)


def _shifted(errors: np.ndarray, sx: int, sy: int) -> np.ndarray:
    """`errors` moved so that output (y, x) holds input (y + sy, x + sx); infinite where that is outside."""
    out = np.full_like(errors, np.inf)
    height, width = errors.shape
    out[max(0, -sy):height - max(0, sy), max(0, -sx):width - max(0, sx)] = \
        errors[max(0, sy):height - max(0, -sy), max(0, sx):width - max(0, -sx)]
    return out


def _peaked(errors: np.ndarray, y: int, x: int, scale: float) -> bool:
    """Whether the match error map `errors` has a clear minimum within 2 pixels of (y, x)."""
    near = errors[max(0, y - 2):y + 3, max(0, x - 2):x + 3]
    dy, dx = np.unravel_index(np.argmin(near), near.shape)
    y, x = max(0, y - 2) + dy, max(0, x - 2) + dx
    ring = errors[max(0, y - 4):y + 5, max(0, x - 4):x + 5].copy()
    ring[max(0, 4 - y) + 2:max(0, 4 - y) + 7, max(0, 4 - x) + 2:max(0, 4 - x) + 7] = np.inf
    return bool(np.median(ring[np.isfinite(ring)]) - errors[y, x] > _PEAKED * scale)
