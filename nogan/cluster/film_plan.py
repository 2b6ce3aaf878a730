"""Where to cut a film into chunks: at scene cuts, the same ones the video pipeline restarts at.

`colorize_video` restarts its chroma stabilisation and keyframes at every scene cut, so a chunk
that starts on a cut is coloured exactly as the whole film would be there: no colour or flicker
jump at the joins.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from ..video.io import FrameReader
from ..video.probe import VideoInfo
from ..video.stabilize import is_scene_cut, luma_change, small_luma


def scan_cuts(src: Path, info: VideoInfo) -> tuple[list[int], int]:
    """The frame indices where a new shot starts (never 0) and the film's exact frame count.

    Frames are read as `colorize_video` reads them and judged by the same detector.
    """
    cuts, count, previous = [], 0, None
    with FrameReader(src, info) as reader:
        for frame in reader:
            luma = small_luma(frame)
            if previous is not None and is_scene_cut(luma_change(previous, luma)):
                cuts.append(count)
            previous, count = luma, count + 1
    return cuts, count


def plan_chunks(cuts: list[int], frames: int, fps: Fraction,
                chunk_seconds: tuple[float, float]) -> list[tuple[int, int]]:
    """Chunks `(first, end)` of frame indices covering `range(frames)`, each starting at a cut.

    A chunk ends at the last cut that keeps it within the longest length, once it has the
    shortest; when a shot is longer than that, at the first cut after it.
    """
    shortest, longest = (max(1, round(s * fps)) for s in chunk_seconds)
    chunks, first = [], 0
    cuts = sorted(c for c in set(cuts) if 0 < c < frames)
    while first < frames:
        candidates = [c for c in cuts if c >= first + shortest]
        within = [c for c in candidates if c <= first + longest]
        end = within[-1] if within else candidates[0] if candidates else frames
        chunks.append((first, end))
        first = end
    return chunks
