"""Temporal consistency: chroma stabilisation across frames, scene-cut detection, a flicker score.

Frames are H x W x 3 uint8 RGB. Colour is split as in OpenCV's YUV (BT.601 weights, 0-255 scale):
luminance Y comes from the source and is never changed, only the predicted chroma (U, V) is smoothed.
"""
from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

# Both thresholds are in luminance levels (0-255) after removing the frame-wide brightness change
# (the median change), so the exposure flicker of old film neither looks like motion nor like a cut.
MOTION_THRESHOLD = 6.0  # a pixel whose local luminance changes this much is moving: not smoothed
CUT_THRESHOLD = 20.0  # a mean change this large between two frames is a new shot: smoothing restarts
# Motion is judged on a copy this many times smaller: cheaper, and grain averages out. Predicted
# chroma is far coarser than that anyway (render_factor * 16 pixels across).
_MOTION_SCALE = 4
_WINDOW_PER_STRENGTH = 16  # strength s averages over about 1 + 16 s frames: 9 (0.4 s at 24 fps) at 0.5


class ChromaStabilizer:
    """Smooths the predicted chroma of one video stream over time where the picture is static.

    Per pixel, the output chroma is an exponential moving average, `w * previous + (1 - w) * current`.
    `w` comes from `strength` (0: off, each frame alone as in DeOldify; 0.5 averages over about
    9 frames; 1 over about 17) times how still the pixel is: fully still below half of
    `motion_threshold` of luminance change, moving from `motion_threshold` up, so colour is not
    dragged across motion. The average restarts at scene cuts (mean luminance change over
    `cut_threshold`): a new shot starts from its own predicted colours. Feed one stream's frames
    in order, one instance per stream.
    """

    def __init__(self, strength: float = 0.5, *, motion_threshold: float = MOTION_THRESHOLD,
                 cut_threshold: float = CUT_THRESHOLD):
        if not 0.0 <= strength <= 1.0:
            raise ValueError(f"strength={strength!r} must be from 0 (off) to 1")
        if motion_threshold <= 0 or cut_threshold <= 0:
            raise ValueError(f"motion_threshold={motion_threshold!r} and cut_threshold={cut_threshold!r} "
                             "must be positive")
        self.strength = float(strength)
        window = 1 + _WINDOW_PER_STRENGTH * self.strength  # frames; an average over n frames retains (n-1)/(n+1)
        self._retention = (window - 1) / (window + 1)
        self.motion_threshold = motion_threshold
        self.cut_threshold = cut_threshold
        self.cuts = 0  # scene cuts seen so far (the first frame is not one)
        self._luma: np.ndarray | None = None  # previous source luminance, downscaled, float32
        self._chroma: np.ndarray | None = None  # smoothed U, V of the previous output, H x W x 2 float32

    def __call__(self, source: np.ndarray, colored: np.ndarray) -> np.ndarray:
        """The next frame: `source` is the black-and-white input, `colored` the model's colouring of it."""
        if self.strength == 0:
            return colored
        luma = small_luma(source)
        # float, so that the round trip back to RGB is exact where nothing is smoothed
        yuv = cv2.cvtColor(colored.astype(np.float32), cv2.COLOR_RGB2YUV)
        previous, self._luma = self._luma, luma
        change = None if previous is None or previous.shape != luma.shape else luma_change(previous, luma)
        if change is None or is_scene_cut(change, self.cut_threshold):
            self.cuts += change is not None
            self._chroma = yuv[:, :, 1:]
            return colored
        static = np.clip(2.0 - 2.0 * change / self.motion_threshold, 0.0, 1.0)
        static = cv2.erode(static, np.ones((3, 3), np.uint8))  # also hold back the edges of moving things
        weight = self._retention * cv2.resize(static, yuv.shape[1::-1], interpolation=cv2.INTER_LINEAR)[..., None]
        self._chroma = weight * self._chroma + (1.0 - weight) * yuv[:, :, 1:]
        yuv[:, :, 1:] = self._chroma
        return np.clip(cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB) + 0.5, 0, 255).astype(np.uint8)


def small_luma(frame: np.ndarray) -> np.ndarray:
    """The luminance of an RGB frame, `_MOTION_SCALE` times smaller, float32: what motion and cuts are judged on."""
    height, width = frame.shape[:2]
    size = (max(1, width // _MOTION_SCALE), max(1, height // _MOTION_SCALE))
    return cv2.resize(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32), size, interpolation=cv2.INTER_AREA)


def luma_change(previous: np.ndarray, current: np.ndarray) -> np.ndarray:
    """|change| of blurred `small_luma` per pixel, less the typical (median) change of the whole frame."""
    diff = cv2.GaussianBlur(current - previous, (3, 3), 0)
    return np.abs(diff - np.median(diff))


def is_scene_cut(change: np.ndarray, threshold: float = CUT_THRESHOLD) -> bool:
    """Whether a `luma_change` map is a new shot rather than motion within one."""
    return bool(change.mean() > threshold)


def flicker_score(frames: Iterable[np.ndarray], luma_threshold: float = 3.0) -> float:
    """Mean absolute frame-to-frame change of U and V (0-255 levels) where |change of Y| < `luma_threshold`.

    Lower is steadier colour. Streams: only two frames are held at a time. 0.0 when no pixel qualifies.
    """
    total, count, previous = 0.0, 0, None
    for frame in frames:
        yuv = cv2.cvtColor(np.asarray(frame, np.uint8), cv2.COLOR_RGB2YUV).astype(np.int16)
        if previous is not None and previous.shape == yuv.shape:
            diff = np.abs(yuv - previous)
            still = diff[:, :, 0] < luma_threshold
            total += float(diff[:, :, 1:][still].sum()) / 2
            count += int(still.sum())
        previous = yuv
    return total / count if count else 0.0
