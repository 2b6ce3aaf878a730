"""The real-film flicker measures of `video_restore`: the frame mean's flicker, the tone's along the
flow and how far its slow trend moved, and the frame mean's flicker as motion alone moves it (what a
perfect de-flicker would leave).

Frames are grey uint8 H x W; `cuts` are the indices of the frames that start a new shot. Flicker is
the standard deviation of a level around its slow trend (a Gaussian of `TREND_SIGMA` frames within
each shot), frames next to cuts left out.
"""
from __future__ import annotations

import cv2
import numpy as np

from nogan.video.restore.motion import FlowAligner

TREND_SIGMA = 4.0  # frames: the slow trend flicker is measured around


def flicker(frames: list[np.ndarray], cuts: list[int]) -> float:
    """Std of the frame mean luminance around its slow trend within shots, frames beside cuts left out."""
    return level_flicker(np.array([f.mean() for f in frames]), cuts)


def level_flicker(levels: np.ndarray, cuts: list[int]) -> float:
    """Std of a level per frame around its slow trend within shots (of 8 frames or more), frames beside
    cuts left out."""
    residuals = [(shot - trend(shot))[2:-2] for shot in _shots(levels, cuts) if len(shot) >= 8]
    return float(np.std(np.concatenate(residuals)))


def trend(levels: np.ndarray) -> np.ndarray:
    """The slow trend of a level per frame within one shot."""
    return cv2.GaussianBlur(levels.reshape(-1, 1).astype(np.float64), (1, 0), sigmaX=1, sigmaY=TREND_SIGMA,
                            borderType=cv2.BORDER_REFLECT).ravel()


def trend_shift(before: np.ndarray, after: np.ndarray, cuts: list[int]) -> float:
    """The largest gap (levels) between the slow trends of two `tone_levels` of one film, within shots:
    how far restoration moved the film's slow changes of light (a fade, a change of exposure), which
    a de-flicker should follow, not flatten nor lag."""
    return max(float(np.abs(trend(a) - trend(b)).max())
               for b, a in zip(_shots(before, cuts), _shots(after, cuts)) if len(b) >= 8)


def _shots(levels: np.ndarray, cuts: list[int]) -> list[np.ndarray]:
    bounds = [0, *cuts, len(levels)]
    return [levels[start:end] for start, end in zip(bounds[:-1], bounds[1:])]


def coarse_aligner() -> FlowAligner:
    """The flow `tone_levels` and `spikes_fast_flow_*` are measured with (DIS "fast" on a 320 px copy)."""
    return FlowAligner(320, cv2.DISOPTICAL_FLOW_PRESET_FAST)


def tone_levels(frames: list[np.ndarray], cuts: list[int]) -> np.ndarray:
    """Each frame's tone, as the sum of its median changes along the flow since its shot began: each
    change is the median luminance change from the frame before, aligned onto it along the flow, where
    the flow is reliable. The frame mean also moves when the picture does (the camera pans, the gate
    weaves and the frame line enters): that is the scene, not flicker, and no restoration should undo it."""
    aligner, size = coarse_aligner(), (frames[0].shape[1], frames[0].shape[0])
    small = [aligner.small(f.astype(np.float32)) for f in frames]
    tone = np.zeros(len(frames))
    for t in range(1, len(frames)):
        if t in cuts:
            continue
        to_previous, _ = aligner(small[t], small[t - 1], size)
        change = frames[t].astype(np.float32) - to_previous.warp(frames[t - 1].astype(np.float32))
        reliable = to_previous.reliable > 0.5
        tone[t] = tone[t - 1] + (float(np.median(change[reliable])) if reliable.any() else 0.0)
    return tone


def motion_levels(frames: list[np.ndarray], cuts: list[int], aligner: FlowAligner) -> np.ndarray:
    """Frame means as motion alone moves them: each frame's change is the change of mean that bringing
    the frame before onto it along the flow makes (what enters and leaves the picture, what moves
    within it), its tone left as it was. Summed within shots."""
    size = (frames[0].shape[1], frames[0].shape[0])
    small = [aligner.small(f.astype(np.float32)) for f in frames]
    levels = np.zeros(len(frames))
    for t in range(1, len(frames)):
        if t not in cuts:
            to_previous, _ = aligner(small[t], small[t - 1], size)
            previous = frames[t - 1].astype(np.float32)
            levels[t] = levels[t - 1] + float(to_previous.warp(previous).mean() - previous.mean())
    return levels


def by_shot(before: list[np.ndarray], after: list[np.ndarray], cuts: list[int], tones: tuple[np.ndarray, np.ndarray],
            motion: np.ndarray) -> list[dict]:
    """Shot by shot (first and end frame): `flicker` before and after; the flicker of `tones` (the
    `tone_levels` before and after) and their `trend_shift`; the flicker of `motion` (`motion_levels`)."""
    means = [np.array([f.mean() for f in frames]) for frames in (before, after)]
    bounds, shots = [0, *cuts, len(before)], []
    for start, end in zip(bounds[:-1], bounds[1:]):
        if end - start >= 8:
            figures = [level_flicker(levels[start:end], []) for levels in (*means, *tones, motion)]
            figures.append(trend_shift(tones[0][start:end], tones[1][start:end], []))
            shots.append({"frames": [start, end], **{name: round(value, 3) for name, value in zip(
                ("flicker_before", "flicker_after", "tone_flicker_before", "tone_flicker_after", "flicker_of_motion",
                 "tone_trend_shift"), figures)}})
    return shots
