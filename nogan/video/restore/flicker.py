"""Flicker: brightness and contrast that pump from frame to frame without the scene changing.

Each frame's tone is described by its local mean and contrast at a coarse scale (a Gaussian window
of about a quarter of the frame over a copy `_TONE_SCALE` times smaller, where grain has averaged
out), so the correction is global and varies smoothly over the frame (uneven exposure, vignetting
that pumps). The target is an exponential moving average of the tone along the motion: the
previous restored frame, aligned onto this one, carries the average so far, and this frame adds
its own share. The average restarts at scene cuts (the caller simply gives no reference there).
"""
from __future__ import annotations

import cv2
import numpy as np

_TONE_SCALE = 8  # tone statistics are taken on a copy this many times smaller
_WINDOW = 0.25  # Gaussian window sigma, as a share of the frame's longer side
_GAIN_RANGE = (0.6, 1.6)  # contrast corrections beyond this are not flicker
_MIN_SHARED = 0.1  # the share of the frame the reference must show


def match_tone(luma: np.ndarray, reference: np.ndarray, weight: np.ndarray, memory: float) -> np.ndarray:
    """`luma` with its local mean and contrast moved `memory` (0-1) of the way to those of `reference`.

    All float32 H x W, 0-255 levels. `reference` is aligned onto `luma`; `weight` (0-1) says where
    it shows the same scene (moving things, dust and flow failures get 0 and do not count).
    """
    if memory <= 0:
        return luma
    size = (max(2, luma.shape[1] // _TONE_SCALE), max(2, luma.shape[0] // _TONE_SCALE))
    small = [cv2.resize(image, size, interpolation=cv2.INTER_AREA) for image in (luma, reference, weight)]
    if small[2].mean() < _MIN_SHARED:  # the reference shows too little of this frame to go by
        return luma
    mean, contrast = _local_tone(small[0], small[2])
    ref_mean, ref_contrast = _local_tone(small[1], small[2])
    target_mean = memory * ref_mean + (1 - memory) * mean
    target_contrast = memory * ref_contrast + (1 - memory) * contrast
    gain = np.clip(target_contrast / np.maximum(contrast, 1e-3), *_GAIN_RANGE)
    offset = target_mean - gain * mean
    full = luma.shape[1], luma.shape[0]
    gain, offset = (cv2.resize(field, full, interpolation=cv2.INTER_LINEAR) for field in (gain, offset))
    return np.clip(luma * gain + offset, 0, 255)


def _local_tone(image: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
