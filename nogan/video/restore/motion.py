"""Aligning a frame's neighbours onto it along the dense optical flow, and knowing where that can be trusted.

The flow (OpenCV's DIS, as in `keyframes`, at its "medium" preset: the "fast" one loses people and
grass that move, which then differ from both neighbours like dust) is computed both ways between
two consecutive frames on small copies: a defect of a few pixels averages away there, so dust and
grain do not bend the flow, and it is cheap. Each small copy is normalised to a fixed mean and contrast first, so that
the exposure flicker of old film does not look like motion. A pixel's flow is reliable where the
forward and backward flows agree (the pixel comes back to where it started): occlusions, things
too fast or too small for the flow, and flow failures do not.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Aligned = tuple[np.ndarray, np.ndarray]  # an image aligned onto a frame (float32 0-255), and where that is reliable (0-1)

FLOW_SIDE = 384  # longer side of the copies the flow is computed on
CONSISTENCY_PX = 0.5  # forward-backward disagreement (small-copy pixels) beyond which a flow is not trusted


@dataclass(frozen=True)
class Alignment:
    """How to bring another frame onto this one: `where` maps each pixel to its place in the other frame."""

    where: np.ndarray  # H x W x 2 float32, x and y for `cv2.remap`
    reliable: np.ndarray  # H x W float32, 1 where the flow is consistent both ways, 0 where not

    def warp(self, image: np.ndarray) -> np.ndarray:
        """`image` (the other frame, or something computed from it) resampled onto this frame."""
        return cv2.remap(image, self.where, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def then(self, further: Alignment) -> Alignment:
        """Two steps in one: this brings frame b onto a, `further` brings c onto b; the result brings c onto a,
        reliable where both steps are."""
        return Alignment(self.warp(further.where), np.minimum(self.reliable, self.warp(further.reliable)))


class FlowAligner:
    """Computes `Alignment`s both ways between consecutive frames of one size.

    `side` is the longer side of the copies the flow is computed on, `preset` OpenCV's DIS preset:
    the defaults are what restoration can afford; measuring can afford more.
    """

    def __init__(self, side: int = FLOW_SIDE, preset: int = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM):
        self.side = side
        self._dis = cv2.DISOpticalFlow_create(preset)

    def small(self, luma: np.ndarray) -> np.ndarray:
        """The uint8 copy of a float32 luminance plane that flows are computed on."""
        scale = min(1.0, self.side / max(luma.shape))
        size = (max(8, round(luma.shape[1] * scale)), max(8, round(luma.shape[0] * scale)))
        small = cv2.resize(luma, size, interpolation=cv2.INTER_AREA)
        mean, std = cv2.meanStdDev(small)
        return np.clip((small - mean[0, 0]) * (48.0 / max(std[0, 0], 1.0)) + 128.0, 0, 255).astype(np.uint8)

    def __call__(self, a: np.ndarray, b: np.ndarray, size: tuple[int, int]) -> tuple[Alignment, Alignment]:
        """Alignments (b onto a, a onto b) for the small copies `a`, `b` of frames of `size` (width, height)."""
        ab = self._dis.calc(a, b, None)
        ba = self._dis.calc(b, a, None)
        return _alignment(ab, ba, size), _alignment(ba, ab, size)


def _alignment(forward: np.ndarray, backward: np.ndarray, size: tuple[int, int]) -> Alignment:
    height, width = forward.shape[:2]
    grid = np.indices((height, width), dtype=np.float32)[::-1].transpose(1, 2, 0)
    there = grid + forward
    back = cv2.remap(backward, there, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    error = np.linalg.norm(forward + back, axis=2)
    inside = (there[..., 0] >= 0) & (there[..., 0] <= width - 1) & (there[..., 1] >= 0) & (there[..., 1] <= height - 1)
    reliable = ((error < CONSISTENCY_PX) & inside).astype(np.float32)
    reliable = cv2.erode(reliable, np.ones((3, 3), np.uint8))  # also distrust the edges of what moved
    scale = np.array([size[0] / width, size[1] / height], np.float32)
    where = (cv2.resize(there, size, interpolation=cv2.INTER_LINEAR) + 0.5) * scale - 0.5
    return Alignment(where, cv2.resize(reliable, size, interpolation=cv2.INTER_LINEAR))
