"""Dust and dirt (blotches): defects that sit on one frame only.

A pixel is a spike when it differs from both motion-aligned neighbours (the frames before and
after, brought onto this one along the flow; any pixel around its place; at a shot's first or last
frame, the two nearest frames on its one side) in the same direction by more than the grain can explain: bright dust or dark dirt on this frame and on neither neighbour. Connected spikes are
blotches, repaired from the neighbours' average where the flow is trusted and the neighbours agree
with each other, else inpainted from the frame itself.

Real motion can look like a spike too: a small object too fast for the flow is in a different
place on each frame, so the aligned neighbours show background where this frame shows it. A blotch
is therefore left alone when something like it is near its place in either neighbour as decoded
(not warped, which can smear a small object away): first a cheap test (does the neighbour hold as
bright, or as dark, a pixel within the search radius?), then, for the blotches that pass it,
template matching of the blotch with its rim against the neighbour: matches elsewhere much better
than at the aligned place, in both neighbours, at the displacements steady motion would put them
(opposite for the frames before and after; twice as far for the frame two on) mean the thing moved. A dark blotch matching some dark patch near it is not enough, and
neither is a match that is only somewhat better than the aligned place: a thing that moved is
found again as it was (give or take the grain) or far better than in place, while dust on grass or
gravel matches some blade or stone nearby only roughly.
"""
from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Neighbour:
    """A neighbouring frame as decoded (float32 H x W, in the tone of the frame it is compared with), its
    alignment onto that frame, and how many distinct frames away it is (negative: before it)."""

    image: np.ndarray
    alignment: Alignment
    offset: int


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
                    noise: float, sources: tuple[Neighbour, Neighbour]) -> tuple[np.ndarray, np.ndarray]:
    """`luma` without its blotches, and the mask (bool H x W) of the pixels that were repaired.

    All images float32 H x W, 0-255; `before` and `after` are the two neighbours aligned onto `luma`
    (the frames before and after it, or at a shot's end the two nearest on one side, the nearer first);
    `reliable` (0-1) is where both alignments can be trusted; `noise` the grain's standard deviation;
    `sources` the same two neighbours as decoded (`Neighbour`).
    """
    if abs(sources[1].offset) < abs(sources[0].offset) or sources[1].offset % sources[0].offset:
        raise ValueError(f"neighbour offsets {sources[0].offset}, {sources[1].offset}: the nearer comes first "
                         "and the further is a whole multiple of it")
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
    ratio = sources[1].offset // sources[0].offset  # steady motion: how far the second is displaced for the first's 1
    # a thing is searched for as far as it can have moved: twice as far in a frame twice as far away
    padded = [(cv2.copyMakeBorder(n.image, *[r + _RIM] * 4, cv2.BORDER_REPLICATE), n.alignment.where, r)
              for n, r in zip(sources, (radius, abs(ratio) * radius))]
    for label in np.flatnonzero(blotch & ambiguous):
        x, y, w, h, _ = stats[label]
        if _moved(luma, padded, labels[y:y + h, x:x + w] == label, stats[label], noise, ratio):
            blotch[label] = False
    pixels = np.maximum(np.bincount(index, minlength=count), 1)
    trusted = (np.bincount(index, reliable.ravel(), count) / pixels > _TRUSTED) & \
        (np.bincount(index, np.abs(before - after).ravel(), count) / pixels < threshold / 2)
    if sources[0].offset * sources[1].offset > 0:
        # both neighbours on one side: what this frame newly uncovers is on neither of them either, so only
        # where they show the same (reliably aligned, alike) is a difference from both a defect
        blotch &= trusted
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


def _similar_nearby(luma: np.ndarray, strength: np.ndarray, sources: tuple[Neighbour, Neighbour],
                    radius: int) -> np.ndarray:
    """Where a neighbour holds a pixel within `radius` of the aligned place as bright (bright spikes) or as
    dark (dark ones)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * radius + 1, 2 * radius + 1))
    margin = np.maximum(SPIKE_LEVELS, _SIMILAR * np.abs(strength))  # flicker, grain, clipping
    found = np.zeros(luma.shape, bool)
    for n in sources:
        found |= (strength > 0) & (n.alignment.warp(cv2.dilate(n.image, kernel)) >= luma - margin)
        found |= (strength < 0) & (n.alignment.warp(cv2.erode(n.image, kernel)) <= luma + margin)
    return found


def _moved(luma: np.ndarray, padded: list[tuple[np.ndarray, np.ndarray, int]], shape: np.ndarray,
           stat: np.ndarray, noise: float, ratio: int) -> bool:
    """Whether the blotch `shape` (bool, over its bounding box `stat`) is a thing that moved.

    `padded` holds the two neighbours as decoded, each with its alignment's `where` onto this frame and the
    search radius around the aligned place, which it is padded by (plus `_RIM`); `noise` is the grain's standard deviation; `ratio` how far steady motion
    displaces the thing in the second neighbour for each pixel in the first (-1: the frames before and
    after; 2: the next two frames). A thing that moved is found in both far better than in place and
    about as well as the grain allows, at the displacements steady motion puts it (give or take 2
    pixels), at one clear place in one of them.
    """
    height, width = luma.shape
    x0, y0 = max(0, stat[0] - _RIM), max(0, stat[1] - _RIM)
    x1, y1 = min(width, stat[0] + stat[2] + _RIM), min(height, stat[1] + stat[3] + _RIM)
    patch = luma[y0:y1, x0:x1]
    weight = np.full(patch.shape, _RIM_WEIGHT, np.float32)
    top, left = stat[1] - y0, stat[0] - x0
    weight[top:top + stat[3], left:left + stat[2]][shape] = 1.0
    centre = np.array([(x0 + x1) // 2, (y0 + y1) // 2])
    errors, shifts, windows = [], [], []
    for image, where, r in padded:
        dx, dy = (where[centre[1], centre[0]] - centre).round().astype(int)  # the aligned place
        shifts.append((dx, dy))
        px, py = int(np.clip(x0 + dx, 0, width - (x1 - x0))), int(np.clip(y0 + dy, 0, height - (y1 - y0)))
        # `r` either side of the aligned place, which is at (r, r) of the error map
        window = image[py + _RIM:py + (y1 - y0) + 2 * r + _RIM, px + _RIM:px + (x1 - x0) + 2 * r + _RIM]
        errors.append(cv2.matchTemplate(window, patch, cv2.TM_SQDIFF, mask=weight))
        windows.append(window)
    first, second = errors
    (_, _, radius), (_, _, further) = padded
    scale = max(float(first[radius, radius]), float(second[further, further]), 1e-6)
    # displacements in frame coordinates, not relative to the aligned places: the flow near a fast thing
    # can be dragged along
    to_second = _steady_motion(shifts, ratio, radius, further)
    steady = cv2.remap(cv2.erode(second, np.ones((5, 5), np.uint8)), *to_second, cv2.INTER_NEAREST,
                       borderMode=cv2.BORDER_CONSTANT, borderValue=np.inf)
    both = np.maximum(first, steady)
    # a thing found in place is no thing that moved. With both neighbours on one side, something like it
    # that stays in place fits steady motion within the slack up to 2 pixels from it: that too
    near = 1 if ratio < 0 else 3
    both[radius - near:radius + near + 1, radius - near:radius + near + 1] = np.inf
    y, x = np.unravel_index(np.argmin(both), both.shape)
    level = max(_MATCH_LEVELS, _MATCH_GRAIN * np.sqrt(2) * noise) ** 2  # squared error of a thing as it was
    as_it_was = float(weight.sum()) * level
    close = both[y, x] < _FOUND_CLOSELY * scale
    if ratio > 0:
        # both neighbours on one side: far more places fit steady motion by chance (the second is searched
        # twice as far), so the thing itself (its rim aside: a moving thing's background changes) must be
        # found as it was in the nearer one
        found = windows[0][y:y + patch.shape[0], x:x + patch.shape[1]]
        close &= float(np.mean((found - patch)[weight == 1.0] ** 2)) < level
    if not (both[y, x] < _FOUND_ELSEWHERE * scale and (both[y, x] < as_it_was or close)):
        return False
    # a thing matches at one place, not over a stretch of like texture: 3 or 4 pixels off its best
    # match (within the 2 pixels of slack) it matches clearly worse, mostly. When it matches very well,
    # the second neighbour showing that is enough: in the first it may lie beside something like it
    if _peaked(first, y, x, scale):
        return True
    x, y = round(float(to_second[0][y, x])), round(float(to_second[1][y, x]))  # where steady motion puts it
    return close and 0 <= y < second.shape[0] and 0 <= x < second.shape[1] and _peaked(second, y, x, scale)


def _steady_motion(shifts: list[tuple[int, int]], ratio: int, radius: int, further: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """For each place of the first neighbour's error map, the place in the second's (x and y maps for
    `cv2.remap`) where steady motion puts the thing: the first's displacement from this frame times `ratio`.
    `shifts` are the aligned places (the maps' centres) in each neighbour, relative to this frame;
    `radius` and `further` the maps' search radii."""
    (fx, fy), (sx, sy) = shifts
    offsets = np.arange(2 * radius + 1, dtype=np.float32) - radius
    x = np.broadcast_to(ratio * (offsets[None, :] + fx) - sx + further, (offsets.size, offsets.size))
    y = np.broadcast_to(ratio * (offsets[:, None] + fy) - sy + further, (offsets.size, offsets.size))
    return np.ascontiguousarray(x, np.float32), np.ascontiguousarray(y, np.float32)


def _peaked(errors: np.ndarray, y: int, x: int, scale: float) -> bool:
    """Whether the match error map `errors` has a clear minimum within 2 pixels of (y, x)."""
    near = errors[max(0, y - 2):y + 3, max(0, x - 2):x + 3]
    dy, dx = np.unravel_index(np.argmin(near), near.shape)
    y, x = max(0, y - 2) + dy, max(0, x - 2) + dx
    ring = errors[max(0, y - 4):y + 5, max(0, x - 4):x + 5].copy()
    ring[max(0, 4 - y) + 2:max(0, 4 - y) + 7, max(0, 4 - x) + 2:max(0, 4 - x) + 7] = np.inf
    return bool(np.median(ring[np.isfinite(ring)]) - errors[y, x] > _PEAKED * scale)
