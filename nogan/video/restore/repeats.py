"""Repeated frames: a frame that is its predecessor again (pulldown, telecine, frame-rate conversion).

A film transferred from 24 to 30 frames a second shows every fourth frame twice; other conversions
repeat frames at other rates. A repeat is the same picture decoded twice: it differs from its
predecessor only by compression noise. Two distinct frames of a still shot differ by more: by the
grain, which is new on every frame, and by whatever the encoder kept of it. Both are small, so a
fixed level cannot tell them apart; the change between the distinct frames around it can. A frame
is a repeat when its change from the previous frame (the mean absolute difference, less its median:
a global exposure step is no new picture) is both within compression noise (`REPEAT_LEVELS`) and a
small share (`REPEAT_SHARE`) of the typical change between the shot's recent distinct frames.

The test looks at each frame once, as it arrives, on a half-size copy: no pass over the whole film.
A shot starts afresh: its first frames are never taken for repeats until a change between distinct
frames has been seen, so a still shot (whose changes are all alike) never shows repeats.
"""
from __future__ import annotations

import collections

import numpy as np

REPEAT_LEVELS = 2.0  # mean absolute change (levels) under which a frame can be a repeat: compression noise
REPEAT_SHARE = 0.3  # ... and under this share of the typical change between the shot's distinct frames
_HISTORY = 5  # distinct changes the typical one is the median of


def frame_change(luma: np.ndarray, previous: np.ndarray) -> float:
    """Mean absolute difference (levels) of two luminance planes (float32, same shape), less its median."""
    difference = luma - previous
    return float(np.abs(difference - np.median(difference)).mean())


class RepeatDetector:
    """Tells, frame by frame in order, whether a frame repeats its predecessor (one instance per stream).

    Call with each frame's luminance (float32 H x W, 0-255) and whether it starts a new shot; it
    answers True for a repeat. The first frame of a shot is never a repeat.
    """

    def __init__(self):
        self._previous: np.ndarray | None = None  # the last frame's half-size luminance
        self._changes: collections.deque[float] = collections.deque(maxlen=_HISTORY)  # between distinct frames

    def __call__(self, luma: np.ndarray, cut: bool) -> bool:
        small, previous = luma[::2, ::2], self._previous
        self._previous = small
        if cut or previous is None or previous.shape != small.shape:
            self._changes.clear()
            return False
        change = frame_change(small, previous)
        typical = float(np.median(self._changes)) if self._changes else 0.0
        repeat = change < REPEAT_LEVELS and change < REPEAT_SHARE * typical
        if not repeat:
            self._changes.append(change)
        return repeat
