"""Line scratches: thin vertical lines, bright or dark, that run down the frame over many frames.

A horizontal morphological top-hat (the frame less its opening, and its closing less the frame, with
a structuring element a little wider than a scratch) keeps what is thinner than that element:
scratches, and none of the vertical edges of the picture, whose steps it leaves untouched. Its
median down each column of a horizontal band is the band's column profile: a scratch stands out
there, texture and grain average away. A column is a scratch where its profile is strong in this
frame, in three quarters of the bands (it runs down the frame, slanted or wandering a little), and
weaker but present within a few columns in the neighbouring frames (it persists). Scratch columns
are then filled row by row from either side, so only their own few pixels change. Nothing within
two top-hat widths of the left and right edges is a scratch: the gate's edge and the frame line
sit there, dark bars and lines that persist like scratches, and filling them band by band (some
bands one frame, others the next) would smear black into the picture and make the edge flicker.
"""
from __future__ import annotations

import cv2
import numpy as np

BANDS = 8  # horizontal bands the profile is taken in: a slanted scratch moves little within one
MIN_LEVELS = 4.0  # the faintest scratch looked for, in luminance levels above its surroundings
_NOISE_FACTOR = 5.0  # a profile peak must also be this many times the profile's own noise
_TEXTURE_FACTOR = 1.5  # ... and this many times the profile's 90th percentile
_COVER = 0.75  # the share of the bands a scratch runs through
_DRIFT = 3  # columns a scratch may move from one frame to the next
_MIN_SUPPORT = 2  # neighbouring frames that must show it too (fewer near the ends of a shot)
_SCENE_BETTER = 0.5  # a line that moves with the picture this much better than it stays in place is in the picture


def thin_lines(luma: np.ndarray) -> np.ndarray:
    """The signed residual of what is thinner than the top-hat (bright > 0), float32 H x W."""
    kernel = np.ones((1, _kernel_width(luma.shape[1])), np.uint8)
    bright = luma - cv2.morphologyEx(luma, cv2.MORPH_OPEN, kernel)
    dark = cv2.morphologyEx(luma, cv2.MORPH_CLOSE, kernel) - luma
    return bright - dark


def column_profile(lines: np.ndarray) -> np.ndarray:
    """BANDS x W float32: per band, the column median of `thin_lines`."""
    height, width = lines.shape
    rows = height // BANDS * BANDS
    if rows == 0:
        return np.zeros((BANDS, width), np.float32)
    return np.median(lines[:rows].reshape(BANDS, rows // BANDS, width), axis=1).astype(np.float32)


def scratch_columns(profiles: list[np.ndarray], index: int, along_motion: np.ndarray | None = None) -> np.ndarray:
    """BANDS x W bool: the scratch columns of frame `index` of consecutive frames' `column_profile`s.

    `along_motion`, the previous frame's profile taken after aligning its `thin_lines` onto this
    frame, tells lines of the picture from scratches where the camera moves: a line that is there
    along the motion but not in place in the film moved with the scene, so it is part of the picture.
    """
    profile = profiles[index]
    # above the texture too: thin features of the picture are in the profile wherever they run downwards
    spread = np.percentile(np.abs(profile), 90)
    threshold = max(MIN_LEVELS, _NOISE_FACTOR * 1.4826 * float(np.median(np.abs(profile))), _TEXTURE_FACTOR * spread)
    strong = np.abs(profile) > threshold
    if not strong.any():
        return strong
    others = [_widen(np.abs(p) > threshold / 2, 2 * _DRIFT + 1) for i, p in enumerate(profiles) if i != index]
    support = np.sum(others, axis=0) >= min(_MIN_SUPPORT, len(others)) if others else np.ones_like(strong)
    found = strong & support
    if along_motion is not None and index > 0:
        found &= ~_moves_with_scene(found, profile, profiles[index - 1], along_motion)
    down = _widen(found, 3).sum(axis=0)
    found &= (down >= _COVER * BANDS)[None, :]
    # widen to the whole line: neighbouring columns of the same sign still clearly above the noise
    edge, widened = np.abs(profile) > threshold / 3, np.zeros_like(found)
    for sign in (1, -1):
        line, allowed = found & (np.sign(profile) == sign), edge & (np.sign(profile) == sign)
        for _ in range(2):
            line |= _widen(line, 3) & allowed
        widened |= line
    widened = _widen(widened, 3)  # and the soft rims
    return widened & ~_not_scratches(widened, _kernel_width(profile.shape[1]))


def _not_scratches(columns: np.ndarray, width: int) -> np.ndarray:
    """The runs of True along each row of `columns` longer than `width` (not thin lines), and those
    within two `width`s of the left or right edge (the gate's edges)."""
    out, margin = np.zeros_like(columns), 2 * width
    for row, line in enumerate(columns):
        for start, end in _runs(line):
            out[row, start:end] = end - start > width or start < margin or end > len(line) - margin
    return out


def _runs(line: np.ndarray) -> zip:
    """(start, end) of each run of True in a 1-D bool array, end exclusive."""
    padded = np.concatenate([[False], line, [False]])
    return zip(np.flatnonzero(~padded[:-1] & padded[1:]), np.flatnonzero(padded[:-1] & ~padded[1:]))


def _moves_with_scene(found: np.ndarray, profile: np.ndarray, previous: np.ndarray,
                      along_motion: np.ndarray) -> np.ndarray:
    """The lines of `found` that the previous frame's profile explains better along the motion than in place."""
    count, labels = cv2.connectedComponents(found.astype(np.uint8), connectivity=8)
    in_place = np.min([np.abs(profile - np.roll(previous, shift, axis=1)) for shift in (-1, 0, 1)], axis=0)
    moving = np.abs(profile - along_motion)
    index = labels.ravel()
    in_place_error = np.bincount(index, in_place.ravel(), count)
    moving_error = np.bincount(index, moving.ravel(), count)
    picture = moving_error < _SCENE_BETTER * in_place_error
    picture[0] = False
    return picture[labels]


def _kernel_width(width: int) -> int:
    """The top-hat's width: lines up to about half of it count as scratches (3 px at 480p)."""
    return max(7, round(width / 128) | 1)


def _widen(columns: np.ndarray, width: int) -> np.ndarray:
    return cv2.dilate(columns.astype(np.uint8), np.ones((1, width), np.uint8)).astype(bool)


def remove_scratches(luma: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """`luma` (float32 H x W) with the `scratch_columns` filled from either side, row by row."""
    if not columns.any():
        return luma
    out = luma.copy()
    height = luma.shape[0]
    band_rows = [band * (height // BANDS) for band in range(BANDS)] + [height]  # as `column_profile`, with the rest
    for band, (top, bottom) in enumerate(zip(band_rows[:-1], band_rows[1:])):
        for start, end in _runs(columns[band]):
            left = luma[top:bottom, max(0, start - 2):start]
            right = luma[top:bottom, end:end + 2]
            if left.size == 0 and right.size == 0:
                continue
            left = left.mean(axis=1) if left.size else right.mean(axis=1)
            right = right.mean(axis=1) if right.size else left
            t = (np.arange(start, end, dtype=np.float32) - start + 1) / (end - start + 1)
            out[top:bottom, start:end] = left[:, None] * (1 - t) + right[:, None] * t
    return out
