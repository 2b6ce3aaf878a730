"""Repeated frames: a frame that is its predecessor again (pulldown, telecine, frame-rate conversion).

A film transferred from 24 to 30 frames a second shows every fourth frame twice; other conversions
repeat frames at other rates. A repeat is the same picture decoded twice: it differs from its
predecessor only by compression noise. Two distinct frames of a still shot differ by more: by the
grain, which is new on every frame, and by whatever the encoder kept of it. Both are small, so a
fixed level cannot tell them apart; the change between the distinct frames around it can. A frame
is a repeat when its change from the previous frame (the mean absolute difference, less its median:
a global exposure step is no new picture) is both within compression noise (`REPEAT_LEVELS`) and a
small share (`REPEAT_SHARE`) of the typical change between the shot's recent distinct frames.

Pulldown repeats come at a steady cadence (every fifth frame from 24 to 30). Where the encoder put a
keyframe on a repeat, it is coded afresh and differs from its original by more than compression
noise elsewhere (blocky, with no moving edges in it), though still far less than distinct frames do.
So once the last `_CADENCE` repeats came evenly spaced, a frame where the cadence puts the next one
is a repeat when its change is a clearly smaller share of the typical one (`CADENCE_SHARE`).

The test looks at each frame once, as it arrives, on a half-size copy: no pass over the whole film.
A shot starts afresh: its first frames are never taken for repeats until a change between distinct
frames has been seen, so a still shot (whose changes are all alike) never shows repeats.
"""
from __future__ import annotations

import collections

import numpy as np

REPEAT_LEVELS = 2.0  # mean absolute change (levels) under which a frame can be a repeat: compression noise
REPEAT_SHARE = 0.3  # ... and under this share of the typical change between the shot's distinct frames
CADENCE_SHARE = 0.65  # ... where the cadence puts a repeat: under this share, at any level
_HISTORY = 5  # distinct changes the typical one is the median of
_CADENCE = 3  # evenly spaced repeats in a row that make a cadence


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
        self._frames = 0  # frames seen
        self._repeats: collections.deque[int] = collections.deque(maxlen=_CADENCE)  # where the last repeats were

    def __call__(self, luma: np.ndarray, cut: bool) -> bool:
        small, previous = luma[::2, ::2], self._previous
        self._previous, index = small, self._frames
        self._frames += 1
        if cut or previous is None or previous.shape != small.shape:
            self._changes.clear()  # the cadence goes on: a film is transferred in one run, cuts and all
            return False
        change = frame_change(small, previous)
        typical = float(np.median(self._changes)) if self._changes else 0.0
        repeat = (change < REPEAT_LEVELS and change < REPEAT_SHARE * typical) or \
            (self._expected(index) and change < CADENCE_SHARE * typical)
        if repeat:
            self._repeats.append(index)
        else:
            self._changes.append(change)
        return repeat

    def _expected(self, index: int) -> bool:
        """Whether the last repeats came at a steady cadence that puts the next one at frame `index`."""
        if len(self._repeats) < _CADENCE:
            return False
        gaps = np.diff(self._repeats)
        return gaps.min() == gaps.max() > 2 and index - self._repeats[-1] == gaps[0]
