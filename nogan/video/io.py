"""Streaming video decode and encode through ffmpeg child processes and pipes.

Frames cross the pipes as raw H x W x 3 uint8 RGB (`rgb24`): nothing is written to disk but the
output, and only the frames being worked on are in memory.
"""
from __future__ import annotations

import collections
import subprocess
import threading
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from .errors import FFmpegError
from .probe import VideoInfo, ffmpeg_exe

# Audio codecs that MP4 holds and Chrome, Safari and Firefox all play; others are re-encoded to AAC.
COPYABLE_AUDIO = frozenset({"aac", "mp3"})
AAC_BITRATE = "192k"
X264_PRESET = "medium"
X264_CRF = 18  # visually lossless for most content
_LOG_LINES = 20
# Tagging as well as converting, so that every player picks the same matrix whatever the frame size.
_TO_BT709 = ("scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,"
             "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv")


class _Ffmpeg:
    """An ffmpeg child process whose log is drained by a thread (a full stderr pipe would stall it)."""

    def __init__(self, args: list[str], stdin: int = subprocess.DEVNULL, stdout: int = subprocess.DEVNULL):
        self.proc = subprocess.Popen([ffmpeg_exe(), "-hide_banner", "-v", "error", *args],
                                     stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
        self._log: collections.deque[str] = collections.deque(maxlen=_LOG_LINES)
        self._drain = threading.Thread(target=self._read_log, daemon=True)
        self._drain.start()

    def _read_log(self) -> None:
        with self.proc.stderr:  # closed here, at the end of the log, or it is left to the garbage collector
            for line in self.proc.stderr:
                self._log.append(line.decode(errors="replace").rstrip())

    def error(self, what: str) -> FFmpegError:
        self._drain.join(timeout=5)
        log = "\n".join(self._log) or "(no log)"
        return FFmpegError(f"ffmpeg failed {what} (exit code {self.proc.returncode}):\n{log}")

    def wait(self, what: str) -> None:
        """Wait for a normal exit; raise `FFmpegError` with the log otherwise."""
        if self.proc.wait() != 0:
            raise self.error(what)
        self._drain.join(timeout=5)

    def kill(self) -> None:
        """Stop the process now if it still runs and release its pipes (safe to call twice)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except BrokenPipeError:  # closing flushes; the reader is gone already
                    pass
        self._drain.join(timeout=5)


class FrameReader:
    """`src`'s frames at a constant `info.fps`, upright, in square pixels of `info.output_size`.

    Variable frame rates become constant by repeating or dropping frames; a late video start is
    removed here (the writer puts it back, so the sound stays in sync).
    """

    def __init__(self, src: str | Path, info: VideoInfo):
        self.size = info.output_size
        filters = [f"setpts=PTS-STARTPTS,fps={info.fps}"]
        if info.sar != 1:
            filters.append(f"scale={self.size[0]}:{self.size[1]},setsar=1")
        elif info.size != self.size:  # odd width or height: drop the last column or row
            filters.append(f"crop={self.size[0]}:{self.size[1]}:0:0")
        self._ffmpeg = _Ffmpeg(["-i", str(src), "-map", "0:v:0", "-vf", ",".join(filters), "-f", "rawvideo",
                                "-pix_fmt", "rgb24", "-"], stdout=subprocess.PIPE)
        self._src = Path(src)

    def read(self, count: int) -> list[np.ndarray]:
        """Up to `count` H x W x 3 uint8 RGB frames; fewer only at the end, none after it."""
        width, height = self.size
        frames = []
        while len(frames) < count:
            buffer = bytearray(width * height * 3)
            if self._ffmpeg.proc.stdout.readinto(buffer) != len(buffer):
                self._ffmpeg.wait(f"decoding {self._src.name}")
                break
            frames.append(np.frombuffer(buffer, np.uint8).reshape(height, width, 3))
        return frames

    @property
    def errors(self) -> list[str]:
        """What ffmpeg reported while decoding (it goes on past damaged data); complete once `read`
        has returned fewer frames than asked for."""
        return list(self._ffmpeg._log)

    def __iter__(self) -> Iterator[np.ndarray]:
        while frames := self.read(1):
            yield frames[0]

    def close(self) -> None:
        self._ffmpeg.kill()

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def audio_mode(codec: str | None) -> str | None:
    """How the writer keeps a source sound track of `codec`: "copy", "aac" (re-encoded) or None."""
    if codec is None:
        return None
    return "copy" if codec in COPYABLE_AUDIO else "aac"


class FrameWriter:
    """Encodes H x W x 3 uint8 RGB frames to `dst` as H.264 `yuv420p` in MP4 with `+faststart`.

    BT.709 colours, tagged as such; the first audio stream of `audio_from` (if given) is copied or
    re-encoded to AAC per `audio_mode`, and the video starts `start` seconds in to stay in sync with it.
    """

    def __init__(self, dst: str | Path, size: tuple[int, int], fps: Fraction, *, audio_from: str | Path | None = None,
                 audio_codec: str | None = None, start: float = 0.0):
        width, height = size
        if width % 2 or height % 2:
            raise ValueError(f"size={size} must have even sides for yuv420p")
        self.size = size
        inputs = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-framerate", str(fps),
                  "-i", "-"]
        if start > 0:
            inputs = ["-itsoffset", f"{start:.6f}", *inputs]
        streams = ["-map", "0:v:0"]
        mode = audio_mode(audio_codec) if audio_from is not None else None
        if mode is not None:
            inputs += ["-i", str(audio_from)]
            streams += ["-map", "1:a:0", "-map_metadata", "1", "-c:a", mode]
            streams += ["-b:a", AAC_BITRATE] if mode == "aac" else []
        self._ffmpeg = _Ffmpeg(
            ["-y", *inputs, *streams, "-vf", _TO_BT709,
             "-c:v", "libx264", "-preset", X264_PRESET, "-crf", str(X264_CRF), "-pix_fmt", "yuv420p",
             "-movflags", "+faststart", "-f", "mp4", str(dst)], stdin=subprocess.PIPE)
        self._dst = Path(dst)

    def write(self, frame: np.ndarray) -> None:
        if frame.shape != (self.size[1], self.size[0], 3) or frame.dtype != np.uint8:
            raise ValueError(f"frame of shape {frame.shape} and dtype {frame.dtype} is not "
                             f"{self.size[1]}x{self.size[0]}x3 uint8")
        try:
            self._ffmpeg.proc.stdin.write(np.ascontiguousarray(frame).data)
        except BrokenPipeError:
            self._ffmpeg.proc.wait()
            raise self._ffmpeg.error(f"encoding {self._dst.name}") from None

    def finish(self) -> None:
        """Flush and finalise the file (moving the index to the front for `+faststart`)."""
        try:
            self._ffmpeg.proc.stdin.close()
        except BrokenPipeError:
            pass
        self._ffmpeg.wait(f"encoding {self._dst.name}")

    def close(self) -> None:
        """Stop the encoder without finalising (the file is then incomplete)."""
        self._ffmpeg.kill()

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
