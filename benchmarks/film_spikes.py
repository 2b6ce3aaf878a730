"""The real-film spike measure of `video_restore`: pixels brighter or darker than both neighbours, the
nearest distinct frames (repeats stepped over), aligned along the flow.

Frames are grey uint8 H x W; `cuts` are the indices of the frames that start a new shot.
"""
from __future__ import annotations

import numpy as np

from nogan.video.restore.blotches import spikes
from nogan.video.restore.motion import FlowAligner
from nogan.video.restore.repeats import RepeatDetector

SPIKE_LEVELS = 30.0  # what counts as a single-frame spike


def repeated(frames: list[np.ndarray], cuts: list[int]) -> list[bool]:
    """Whether each frame repeats the one before (`RepeatDetector`, as the restorer finds them)."""
    detector = RepeatDetector()
    return [detector(f.astype(np.float32), t in cuts) for t, f in enumerate(frames)]


def distinct_neighbours(repeats: list[bool], cuts: list[int]) -> list[tuple[int, int] | None]:
    """For each frame, the nearest frames before and after that are not copies of it nor it of them
    (None where a cut or the film's ends lie between)."""
    out = []
    for t in range(len(repeats)):
        before = t - 1
        while before >= 0 and repeats[before + 1]:  # frame before + 1 repeats frame before: the same picture
            before -= 1
        after = t + 1
        while after < len(repeats) and repeats[after]:
            after += 1
        crossed = any(before < cut <= after for cut in cuts)
        out.append(None if before < 0 or after >= len(repeats) or crossed else (before, after))
    return out


def spike_count(frames: list[np.ndarray], neighbours: list[tuple[int, int] | None], aligner: FlowAligner) -> int:
    """Pixels over `SPIKE_LEVELS` brighter or darker than both `neighbours` (`distinct_neighbours`) aligned
    by `aligner`, summed over frames."""
    total, size = 0, (frames[0].shape[1], frames[0].shape[0])
    small = [aligner.small(f.astype(np.float32)) for f in frames]
    for t, pair in enumerate(neighbours):
        if pair is None:
            continue
        to_before, _ = aligner(small[t], small[pair[0]], size)
        to_after, _ = aligner(small[t], small[pair[1]], size)
        before, luma, after = (frames[i].astype(np.float32) for i in (pair[0], t, pair[1]))
        strength = spikes(luma, to_before.warp(before), to_after.warp(after))
        reliable = np.minimum(to_before.reliable, to_after.reliable) > 0.5
        total += int(((np.abs(strength) > SPIKE_LEVELS) & reliable).sum())
    return total
