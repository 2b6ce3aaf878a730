"""`colorize_video` and `restore_video`: decode, restore, colour in batches, stabilise, encode, all
streamed, with progress and cancel."""
from __future__ import annotations

import collections
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import numpy as np

from ..colorizer import Colorizer, validate_render_factor
from ..hints import HintsInput, load_hints
from .errors import InvalidVideoError, TruncatedVideoError, VideoCancelled
from .io import FrameReader, FrameWriter, audio_mode
from .keyframes import KeyframeColorizer
from .probe import VideoInfo, VideoLimits, probe
from .restore import FilmRestorer, RestoreOptions
from .stabilize import ChromaStabilizer

# Frames a complete file may fall short of its declared count: the duration is rounded, and is the
# longest stream's (the sound may outlast the picture by a frame or two).
TRUNCATION_SLACK = 2
Progress = Callable[[int, int | None, float | None], None]
Cancel = threading.Event | Callable[[], bool]


class Stage(Protocol):
    """A streaming step: frames in, the frames it has completed out (in order, maybe later); `finish`
    returns the rest at the end of the stream."""

    def __call__(self, frames: list[np.ndarray]) -> list[np.ndarray]: ...

    def finish(self) -> list[np.ndarray]: ...


@dataclass(frozen=True)
class VideoResult:
    """What `colorize_video` or `restore_video` wrote."""

    path: Path
    frames: int
    fps: Fraction
    duration: float  # seconds of video, frames / fps
    size: tuple[int, int]  # width, height
    audio: str | None  # "copy", "aac" (re-encoded) or None (the source has no sound)
    scene_cuts: int  # where stabilisation (restoration alone: restoration) restarted; 0 when it is off
    model_frames: int  # frames the model coloured; the others borrowed colour from these keyframes
    notes: tuple[str, ...]  # what changed on the way, e.g. dropped subtitle streams
    frames_declared: int | None = None  # the container's count, when the file ended early (allow_truncated)


def colorize_video(src: str | os.PathLike, dst: str | os.PathLike, colorizer: Colorizer,
                   render_factor: int | None = None, *, stabilization: float = 0.5,
                   keyframe_interval: int | None = None, batch_size: int = 4,
                   restore: bool | RestoreOptions = False, limits: VideoLimits = VideoLimits(),
                   progress: Progress | None = None, cancel: Cancel | None = None,
                   allow_truncated: bool = False, hints: HintsInput | None = None,
                   hints_frame: int = 0) -> VideoResult:
    """Colour the video `src` (mp4, mov, mkv, avi, webm, animated GIF...) into the MP4 file `dst`.

    The output is H.264 `yuv420p` with `+faststart` (plays in browsers): same frame count, exact
    frame rate (variable rates made constant), display orientation and aspect ratio (square pixels,
    even sides), and the source's first sound track, copied when MP4 allows, else re-encoded to AAC.
    Frames stream through ffmpeg pipes in batches of `batch_size`, so memory does not grow with length.

    render_factor: the model's resolution (see `Colorizer`); None uses the model's video default.
    stabilization: 0 (off: each frame coloured alone, as DeOldify) to 1; see `ChromaStabilizer`.
    keyframe_interval: the model colours every n-th frame and each shot's first; the frames between
        borrow its colour along the motion (see `KeyframeColorizer`). 1 is DeOldify's every frame;
        None: 2 on a CPU, where the model is nearly all of the time, else 1.
    restore: restore the film before colouring it (dust, scratches, flicker, grain; see
        `restore_video`): False, True (all of `RestoreOptions()`) or a `RestoreOptions`.
    progress: called after each batch as `progress(frames_done, frames_total, eta_seconds)`; the
        total is estimated from the duration (None if unknown) and the ETA is None until known.
    cancel: a `threading.Event` or a callable returning True to stop; checked between batches.
    allow_truncated: a file that ends early (decode errors, and fewer frames than its container
        declares) raises `TruncatedVideoError` unless this is True; then the frames that could be
        read are coloured, and `notes` and `frames_declared` say so.
    hints: colour hints (`nogan.hints`: RGBA, transparent where none) for frame number `hints_frame`
        (from 0), of the output's frame size (`probe(src).output_size`); they carry along that shot.
    Raises `InvalidVideoError`, `VideoTooLargeError`, `VideoCancelled`, `FFmpegError`. `dst` appears
    only when complete: work goes to a hidden temporary file beside it, removed on any failure.
    """
    src, dst = Path(src), Path(dst)
    _check_paths(src, dst)
    rf = validate_render_factor(colorizer.info.video_render_factor if render_factor is None else render_factor)
    _check_batch_size(batch_size)
    if not 0 <= stabilization <= 1:
        raise ValueError(f"stabilization={stabilization!r} must be from 0 (off) to 1")
    stabilizer = ChromaStabilizer(stabilization)
    if keyframe_interval is None:
        keyframe_interval = 2 if colorizer.device.type == "cpu" else 1
    info = probe(src, limits)
    hints = None if hints is None else load_hints(hints, info.output_size)
    keyframes = KeyframeColorizer(colorizer, rf, keyframe_interval, hints=hints, hints_frame=hints_frame)
    restorer = _restorer(restore)
    stages = [stage for stage in (restorer, _Colouring(keyframes, stabilizer)) if stage is not None]
    frames, declared = _write(src, dst, info, stages, batch_size * keyframes.interval, progress, cancel,
                              allow_truncated)
    return VideoResult(path=dst, frames=frames, fps=info.fps, duration=float(frames / info.fps),
                       size=info.output_size, audio=audio_mode(info.audio_codec), scene_cuts=stabilizer.cuts,
                       model_frames=keyframes.model_frames, notes=_notes(info, frames, declared, "coloured"),
                       frames_declared=declared)


def restore_video(src: str | os.PathLike, dst: str | os.PathLike, options: RestoreOptions = RestoreOptions(), *,
                  batch_size: int = 8, limits: VideoLimits = VideoLimits(), progress: Progress | None = None,
                  cancel: Cancel | None = None, allow_truncated: bool = False) -> VideoResult:
    """Restore the old film `src` into the MP4 file `dst`, without colouring it.

    Removes what `options` selects: dust and dirt on single frames, line scratches, flicker and
    grain (see `FilmRestorer`). The output, progress, cancel, errors and clean-up are those of
    `colorize_video` (`allow_truncated` included); frames are read `batch_size` at a time. `model_frames` of the result is 0
    and `scene_cuts` counts the cuts where restoration started afresh.
    """
    src, dst = Path(src), Path(dst)
    _check_paths(src, dst)
    _check_batch_size(batch_size)
    restorer = FilmRestorer(options)
    info = probe(src, limits)
    frames, declared = _write(src, dst, info, [restorer], batch_size, progress, cancel, allow_truncated)
    return VideoResult(path=dst, frames=frames, fps=info.fps, duration=float(frames / info.fps),
                       size=info.output_size, audio=audio_mode(info.audio_codec), scene_cuts=restorer.cuts,
                       model_frames=0, notes=_notes(info, frames, declared, "restored"), frames_declared=declared)


class _Colouring:
    """Keyframe colouring then chroma stabilisation, as one `Stage`."""

    def __init__(self, keyframes: KeyframeColorizer, stabilizer: ChromaStabilizer):
        self.keyframes, self.stabilizer = keyframes, stabilizer

    def __call__(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        return [self.stabilizer(source, result) for source, result in self.keyframes(frames)]

    def finish(self) -> list[np.ndarray]:
        return [self.stabilizer(source, result) for source, result in self.keyframes.finish()]


def _restorer(restore: bool | RestoreOptions) -> FilmRestorer | None:
    if restore is False:
        return None
    if restore is True:
        return FilmRestorer()
    if isinstance(restore, RestoreOptions):
        return FilmRestorer(restore)
    raise ValueError(f"restore={restore!r} must be True, False or a RestoreOptions")


def _write(src: Path, dst: Path, info: VideoInfo, stages: list[Stage], read_size: int, progress: Progress | None,
           cancel: Cancel | None, allow_truncated: bool) -> tuple[int, int | None]:
    """Stream `src` through `stages` into `dst`, which appears only when complete; return the frame count,
    and the count the container declares when the file ended early (else None)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.stem}.{secrets.token_hex(4)}.part.mp4")  # ffmpeg creates it, umask applies
    try:
        counts = _stream(src, tmp, info, stages, read_size, progress, cancel, allow_truncated)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return counts


def _stream(src: Path, tmp: Path, info: VideoInfo, stages: list[Stage], read_size: int,
            progress: Progress | None, cancel: Cancel | None, allow_truncated: bool) -> tuple[int, int | None]:
    """Run the decode -> stages -> encode loop; return the number of frames written, and the number the
    container declares when the file ended early (else None)."""
    done, total, started = 0, info.frame_count, time.monotonic()
    with FrameReader(src, info) as reader, \
            FrameWriter(tmp, info.output_size, info.fps, audio_from=src, audio_codec=info.audio_codec,
                        start=info.start) as writer:
        while True:
            if cancel is not None and (cancel.is_set() if isinstance(cancel, threading.Event) else cancel()):
                raise VideoCancelled(f"cancelled after {done} frames of {src.name}; nothing was written")
            frames = reader.read(read_size)
            out = frames
            for stage in stages:  # at the end, each stage takes the last frames of the one before, then ends
                out = stage(out) if frames else stage(out) + stage.finish()
            for frame in out:
                writer.write(frame)
            done += len(out)
            if progress is not None and out:
                total = None if total is None else max(total, done)
                eta = None if total is None else (time.monotonic() - started) / done * (total - done)
                progress(done, total, eta)
            if not frames:
                break
        if done == 0:
            raise InvalidVideoError(f"{src.name}: no video frame could be decoded")
        declared = info.frame_count
        truncated = bool(reader.errors) and declared is not None and done < declared - TRUNCATION_SLACK
        if truncated and not allow_truncated:
            raise TruncatedVideoError(src.name, done, declared)
        writer.finish()
    if progress is not None and total != done:  # the estimate was off: end on an exact, full count
        progress(done, done, 0.0)
    return done, declared if truncated else None


def _check_batch_size(batch_size: int) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r} must be a positive integer")


def _check_paths(src: Path, dst: Path) -> None:
    if dst.suffix.lower() != ".mp4":
        raise ValueError(f"dst={str(dst)!r} must end with .mp4 (the output is H.264 in MP4)")
    if dst.is_dir():
        raise ValueError(f"dst={str(dst)!r} is a folder; give a file name ending with .mp4")
    if dst.resolve() == src.resolve() or (dst.exists() and src.exists() and os.path.samefile(src, dst)):
        raise ValueError(f"dst={str(dst)!r} is the input video; write to another file")


def _notes(info: VideoInfo, frames: int, declared: int | None, done: str) -> tuple[str, ...]:
    """Say what the output leaves out or changes compared with the source (`done`: what was done to it)."""
    kept = {"video": 1, "audio": 1}
    dropped: collections.Counter[str] = collections.Counter()
    for kind, _ in info.streams:
        if kept.get(kind, 0):
            kept[kind] -= 1
        else:
            dropped[kind] += 1
    notes = [f"dropped {n} {kind} stream{'s' * (n > 1)}" for kind, n in dropped.items()]
    if audio_mode(info.audio_codec) == "aac":
        notes.append(f"audio re-encoded from {info.audio_codec} to AAC (MP4 players cannot play it as is)")
    if info.output_size != info.size:
        notes.append(f"frames of {info.size[0]}x{info.size[1]} (pixel aspect {info.sar}) written as "
                     f"{info.output_size[0]}x{info.output_size[1]} square pixels")
    if declared is not None:
        notes.append(f"the file ends early: {frames} of {declared} frames could be read and were {done}")
    return tuple(notes)
