"""ffmpeg steps of a chunked film: cut a chunk out, count its frames, join the coloured chunks.

Commands are argument lists, never shell strings. The joined film is the chunks' H.264 streams
copied one after another (all encoded by `colorize_video` with the same settings), with the
source's sound muxed once over the whole, so it stays in sync.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
from pathlib import Path

from ..video.errors import FFmpegError
from ..video.io import AAC_BITRATE, audio_mode
from ..video.probe import VideoInfo, ffmpeg_exe

_LOG_LINES = 20


def _run(args: list[str], what: str) -> str:
    done = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", *args],
                          capture_output=True, text=True, errors="replace")
    if done.returncode != 0:
        log = "\n".join(done.stderr.splitlines()[-_LOG_LINES:]) or "(no log)"
        raise FFmpegError(f"ffmpeg failed {what} (exit code {done.returncode}):\n{log}")
    return done.stdout


def extract_chunk(src: Path, info: VideoInfo, first: int, count: int, dst: Path) -> Path:
    """Frames `first` to `first + count - 1` of `src` (as `FrameReader` numbers them), losslessly
    (FFV1 in Matroska, the source's pixel format and aspect), without sound.

    The seek starts half a frame before the wanted one: with an input seek ffmpeg decodes from the
    keyframe before and drops every frame earlier than the seek time, so the first kept frame is
    exactly `first` whatever the rounding of its time stamp.
    """
    seek = [] if first == 0 else ["-ss", f"{info.start + (first - 0.5) / info.fps:.6f}"]
    _run([*seek, "-i", str(src), "-map", "0:v:0", "-an", "-sn", "-dn", "-frames:v", str(count),
          "-fps_mode", "passthrough", "-c:v", "ffv1", "-y", str(dst)], f"cutting frames {first}+{count} of {src.name}")
    return dst


def count_frames(path: Path) -> int:
    """The number of video frames in `path`, counted from its packets (nothing is decoded)."""
    progress = _run(["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-", "-progress", "pipe:1",
                     "-nostats"], f"counting the frames of {path.name}")
    counts = re.findall(r"^frame=(\d+)$", progress, re.M)
    if not counts:
        raise FFmpegError(f"ffmpeg did not report a frame count for {path.name}")
    return int(counts[-1])


def join_chunks(chunks: list[Path], src: Path, info: VideoInfo, dst: Path) -> Path:
    """Concatenate the coloured `chunks` without re-encoding and mux `src`'s first sound track.

    The video starts `info.start` seconds in, as in `colorize_video`; sound is copied or re-encoded
    to AAC by the same rule. `dst` appears only when complete.
    """
    tmp = dst.with_name(f".{dst.stem}.{secrets.token_hex(4)}.part.mp4")
    playlist = dst.with_name(f".{dst.stem}.{secrets.token_hex(4)}.concat.txt")
    try:
        playlist.write_text("ffconcat version 1.0\n" + "".join(f"file {_quote(c)}\n" for c in chunks))
        video = ["-f", "concat", "-safe", "0", "-i", str(playlist)]
        if info.start > 0:
            video = ["-itsoffset", f"{info.start:.6f}", *video]
        streams, mode = ["-map", "0:v:0", "-c:v", "copy"], audio_mode(info.audio_codec)
        audio = [] if mode is None else ["-i", str(src)]
        if mode is not None:
            streams += ["-map", "1:a:0", "-map_metadata", "1", "-c:a", mode]
            streams += ["-b:a", AAC_BITRATE] if mode == "aac" else []
        _run([*video, *audio, *streams, "-movflags", "+faststart", "-f", "mp4", "-y", str(tmp)],
             f"joining the chunks of {src.name}")
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
        playlist.unlink(missing_ok=True)
    return dst


def _quote(path: Path) -> str:
    """A path quoted for an ffconcat playlist: in single quotes, each ' written as '\\''."""
    return "'" + str(Path(path).resolve()).replace("'", "'\\''") + "'"
