"""Flicker: brightness and contrast that pump from frame to frame without the scene changing.

A frame's tone is its local mean and contrast at a coarse scale (a Gaussian window of about a
quarter of the frame over a copy `_TONE_SCALE` times smaller, where grain has averaged out), so the
correction is global and varies smoothly over the frame (uneven exposure, vignetting that pumps).
Tones are compared along the motion, over the pixels where the frames show the same scene.

The target tone follows the shot's trend with Holt's linear smoothing, made two-sided with the
look-ahead: the observation for frame t is the average tone of frames t, t+1 and t+2 (aligned onto
t) less the trend times their mean offset (one frame), and it is blended with the prediction
carried along the motion (the previous restored frame's tone plus the trend). A slow fade or a
change of exposure is a trend and is kept; what jumps around it is flicker and is smoothed away.
A shot starts with the look-ahead average and no trend (`reset`, at scene cuts).
"""
from __future__ import annotations

import cv2
import numpy as np

from .motion import Aligned

_TONE_SCALE = 8  # tone statistics are taken on a copy this many times smaller
_WINDOW = 0.25  # Gaussian window sigma, as a share of the frame's longer side
_GAIN_RANGE = (0.6, 1.6)  # contrast corrections beyond this are not flicker
_MIN_SHARED = 0.1  # the share of the frame two frames must show alike for their tones to be compared
_OUTLIER = 24.0  # levels of local change beyond which a pixel is not used to compare tone (it moved)
_TREND_SHARE = 1.0  # the trend's smoothing weight, as a share of the level's

Tone = tuple[np.ndarray, np.ndarray]  # local mean and contrast, float32 at 1 / _TONE_SCALE


class ToneTracker:
    """Steadies one stream's tone, frame by frame in order (one instance per stream).

    `memory` (0-1) is how much of the target comes from the prediction: higher is steadier and
    follows a change of exposure more slowly; 0 leaves frames as they are.
    """

    def __init__(self, memory: float):
        self.memory = memory
        self._trend: Tone | None = None  # the tone's change per frame, along the motion

    def reset(self) -> None:
        """Forget the trend: the next frame starts a new shot."""
        self._trend = None

    def __call__(self, luma: np.ndarray, previous: Aligned | None, upcoming: list[Aligned]) -> np.ndarray:
        """`luma` (float32 H x W, 0-255) moved to the target tone.

        `previous` is the previous restored frame aligned onto `luma` (None at a shot's start),
        `upcoming` the next frames of the shot as decoded, aligned onto `luma`, in order.
        """
        if self.memory <= 0:
            return luma
        small = _small(luma)
        candidates = ([(True, *previous)] if previous is not None else []) + [(False, *u) for u in upcoming]
        shared = []  # (is the previous frame, small copy, small weight) of the frames that show this scene
        for is_previous, image, reliable in candidates:
            image = _small(image)
            weight = tone_weight(small, image, _small(reliable))
            if weight.mean() >= _MIN_SHARED:
                shared.append((is_previous, image, weight))
        weight = np.prod([w for *_, w in shared], axis=0) if shared else np.ones_like(small)
        while len(shared) > 1 and weight.mean() < _MIN_SHARED:  # the furthest frame shows too much else
            shared.pop()
            weight = np.prod([w for *_, w in shared], axis=0)
        own = _local_tone(small, weight)
        tones = [_local_tone(image, weight) for _, image, _ in shared]
        start = not shared or not shared[0][0]  # nothing carried along the motion to go by
        ahead = tones[0 if start else 1:]
        observed = tuple(np.mean([own[i], *(t[i] for t in ahead)], axis=0) for i in (0, 1))
        if start:
            self._trend = None
            return _apply(luma, own, observed)
        centre = len(ahead) / 2  # the look-ahead average's offset from this frame, in frames
        before = tones[0]
        trend = self._trend or (np.zeros_like(own[0]), np.zeros_like(own[1]))
        level, rate = 1 - self.memory, (1 - self.memory) * _TREND_SHARE
        target = tuple(level * (o - centre * s) + (1 - level) * (b + s) for o, s, b in zip(observed, trend, before))
        self._trend = tuple(rate * (t - b) + (1 - rate) * s for t, b, s in zip(target, before, trend))
        return _apply(luma, own, target)


def match_tone(image: np.ndarray, reference: np.ndarray, reliable: np.ndarray) -> np.ndarray:
    """`image` with the local mean and contrast of `reference` (float32 H x W, 0-255, aligned onto it;
    `reliable` (0-1) where the alignment is)."""
    small, reference = _small(image), _small(reference)
    weight = tone_weight(small, reference, _small(reliable))
    if weight.mean() < _MIN_SHARED:  # too little in common to go by
        return image
    return _apply(image, _local_tone(small, weight), _local_tone(reference, weight))


def tone_weight(small: np.ndarray, other: np.ndarray, reliable: np.ndarray) -> np.ndarray:
    """Where `other` shows the same scene as `small`, tone aside: reliable alignment and no large change
    beyond the typical one (a thing moved). All float32 at 1 / _TONE_SCALE, `other` aligned onto `small`."""
    diff = other - small
    return (reliable * (np.abs(diff - float(np.median(diff))) < _OUTLIER)).astype(np.float32)


def _small(image: np.ndarray) -> np.ndarray:
    size = (max(2, image.shape[1] // _TONE_SCALE), max(2, image.shape[0] // _TONE_SCALE))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _apply(luma: np.ndarray, tone: Tone, target: Tone) -> np.ndarray:
    """`luma` through the smooth gain and offset fields that move its `tone` to `target`."""
    gain = np.clip(target[1] / np.maximum(tone[1], 1e-3), *_GAIN_RANGE)
    offset = target[0] - gain * tone[0]
    full = luma.shape[1], luma.shape[0]
    gain, offset = (cv2.resize(field, full, interpolation=cv2.INTER_LINEAR) for field in (gain, offset))
    return np.clip(luma * gain + offset, 0, 255)


def _local_tone(image: np.ndarray, weight: np.ndarray) -> Tone:
    """Weighted local mean and standard deviation in a wide Gaussian window (normalised convolution).

    Where the window holds too little weight it widens to the whole frame.
    """
    sigma = _WINDOW * max(image.shape)
    blur = lambda x: cv2.GaussianBlur(x, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)  # noqa: E731
    total = blur(weight)
    mean = blur(weight * image) / np.maximum(total, 1e-6)
    variance = blur(weight * image * image) / np.maximum(total, 1e-6) - mean * mean
    everywhere = max(float(weight.sum()), 1e-6)
    global_mean = float((weight * image).sum()) / everywhere
    global_var = float((weight * image * image).sum()) / everywhere - global_mean ** 2
    trust = np.clip(total / 0.2, 0, 1)  # share of the window with weight, saturating at 20 %
    mean = trust * mean + (1 - trust) * global_mean
    variance = trust * variance + (1 - trust) * global_var
    return mean, np.sqrt(np.maximum(variance, 1.0))
