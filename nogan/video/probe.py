"""What a video file holds, from ffmpeg alone (imageio-ffmpeg ships no ffprobe), and input limits.

Two short ffmpeg runs: `ffmpeg -i` prints the streams and the duration; decoding the first frame
into the `framecrc` muxer then gives the exact frame rate (its time base is 1/rate, e.g. 1001/24000),
the displayed size with rotation applied, the sample aspect ratio and the first frame's time.
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg

from .errors import InvalidVideoError, VideoTooLargeError

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".gif")
PROBE_TIMEOUT_S = 120
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_STREAM = re.compile(r"^\s*Stream #0:\d+\S*: (Video|Audio|Subtitle|Data|Attachment): (\w+)(.*)$", re.M)
_SIZE = re.compile(r", (\d+)x(\d+)\b")


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary that imageio-ffmpeg ships."""
    return imageio_ffmpeg.get_ffmpeg_exe()


def is_video_path(path: str | os.PathLike) -> bool:
    """Whether `path`'s extension is one of `VIDEO_EXTENSIONS` (animated GIF included)."""
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


@dataclass(frozen=True)
class VideoLimits:
    """Inputs over these bounds are refused before any decoding; `None` disables a bound."""

    max_duration_s: float | None = 4 * 3600
    max_pixels: int | None = 3840 * 2160  # per frame
    max_file_bytes: int | None = 32 * 2**30


@dataclass(frozen=True)
class VideoInfo:
    """Metadata of a video file. Sizes are (width, height) in pixels."""

    duration: float | None  # seconds, of the longest stream; None when the container does not say
    coded_size: tuple[int, int]  # as stored, before rotation
    size: tuple[int, int]  # as decoded: display rotation applied
    sar: Fraction  # sample (pixel) aspect ratio of the decoded frames
    fps: Fraction  # exact, e.g. Fraction(24000, 1001); variable-rate files get ffmpeg's best guess
    start: float  # seconds from the file's start to the first video frame
    codec: str
    pix_fmt: str
    streams: tuple[tuple[str, str], ...]  # (kind, codec) of every stream, e.g. ("audio", "aac")

    @property
    def audio_codec(self) -> str | None:
        """Codec of the first audio stream, the one the pipeline keeps."""
        return next((codec for kind, codec in self.streams if kind == "audio"), None)

    @property
    def frame_count(self) -> int | None:
        """Expected number of frames at `fps` (exact for constant-rate files)."""
        return None if self.duration is None else max(1, round((self.duration - self.start) * self.fps))

    @property
    def output_size(self) -> tuple[int, int]:
        """Square pixels with the same display aspect ratio, both sides even (yuv420p needs it).

        Anamorphic frames are resampled to the nearest even width; odd sides lose their last pixel.
        """
        width, height = self.size
        if self.sar != 1:
            return max(2, 2 * round(width * self.sar / 2)), max(2, height - height % 2)
        return max(2, width - width % 2), max(2, height - height % 2)


def probe(path: str | os.PathLike, limits: VideoLimits | None = None) -> VideoInfo:
    """Read `path`'s metadata; raise `InvalidVideoError` or `VideoTooLargeError` if we cannot take it."""
    path = Path(path)
    limits = limits or VideoLimits()
    if not path.is_file():
        raise InvalidVideoError(f"no such video file: {path}")
    size = path.stat().st_size
    if limits.max_file_bytes is not None and size > limits.max_file_bytes:
        raise VideoTooLargeError(f"{path.name} is {size / 2**20:,.0f} MiB, over the limit of "
                                 f"{limits.max_file_bytes / 2**20:,.0f} MiB")
    header = _run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)], path)
    if "Input #0" not in header:
        raise InvalidVideoError(f"{path.name} is not a video we can read ({_first_error(header)})")
    streams = [(kind.lower(), codec, rest) for kind, codec, rest in _STREAM.findall(header)]
    video = next((s for s in streams if s[0] == "video" and "(attached pic)" not in s[2]), None)
    if video is None:
        raise InvalidVideoError(f"{path.name} has no video stream")
    coded = _SIZE.search(video[2])
    coded_size = (int(coded[1]), int(coded[2])) if coded else (0, 0)
    duration = _parse_duration(header)
    _check_limits(path.name, coded_size, duration, limits)
    frame = _run([ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-map", "0:v:0", "-frames:v", "1",
                  "-c:v", "rawvideo", "-pix_fmt", "gray", "-f", "framecrc", "-"], path)
    fields = dict(re.findall(r"^#(tb|dimensions|sar) 0: (\S+)$", frame, re.M))
    first = re.search(r"^0,\s*-?\d+,\s*(-?\d+),", frame, re.M)
    if first is None or "tb" not in fields:
        raise InvalidVideoError(f"{path.name}: no video frame could be decoded ({_first_error(frame)})")
    time_base = Fraction(fields["tb"])
    width, height = map(int, fields["dimensions"].split("x"))
    sar = Fraction(fields.get("sar", "1/1")) or Fraction(1)  # 0/1: not set, square
    return VideoInfo(duration=duration, coded_size=coded_size, size=(width, height), sar=sar,
                     fps=1 / time_base, start=max(0.0, float(int(first[1]) * time_base)), codec=video[1],
                     pix_fmt=_pix_fmt(video[2]), streams=tuple((kind, codec) for kind, codec, _ in streams))


def _check_limits(name: str, coded_size: tuple[int, int], duration: float | None, limits: VideoLimits) -> None:
    width, height = coded_size
    if limits.max_pixels is not None and width * height > limits.max_pixels:
        raise VideoTooLargeError(f"{name} is {width}x{height} pixels, over the limit of "
                                 f"{limits.max_pixels:,} pixels per frame")
    if limits.max_duration_s is not None and duration is not None and duration > limits.max_duration_s:
        raise VideoTooLargeError(f"{name} lasts {duration:,.1f} s, over the limit of {limits.max_duration_s:,.0f} s")


def _run(command: list[str], path: Path) -> str:
    """Run ffmpeg and return its log (stderr) and output (stdout) together."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired as e:
        raise InvalidVideoError(f"reading {path.name} took over {PROBE_TIMEOUT_S} s") from e
    return done.stderr + done.stdout


def _parse_duration(header: str) -> float | None:
    match = _DURATION.search(header)
    return None if match is None else int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3])


def _pix_fmt(details: str) -> str:
    """The pixel format is the first item after the codec in `, `-separated details."""
    depth, items, current = 0, [], ""
    for char in details:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    items.append(current.strip())
    match = re.match(r"\w+", items[1]) if len(items) > 1 else None
    return match[0] if match else "unknown"


def _first_error(log: str) -> str:
    """ffmpeg's first log line, without its `[component @ 0x...]` prefix: the most specific one."""
    lines = [re.sub(r"^\[[^]]*\] ", "", line.strip()) for line in log.splitlines()]
    return next((line for line in lines if line and not line.startswith("#")), "ffmpeg printed nothing")
