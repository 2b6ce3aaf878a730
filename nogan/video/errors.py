"""Errors of the video pipeline; all derive from `nogan.NoganError`."""
from ..errors import NoganError


class InvalidVideoError(NoganError, ValueError):
    """The input is not a video we can read: corrupt, truncated, or without a video stream."""


class TruncatedVideoError(InvalidVideoError):
    """The file ends before the frame count its container declares (a cut-off download or copy)."""

    def __init__(self, name: str, frames: int, declared: int):
        super().__init__(f"{name}: the file ends early: {frames} of {declared} frames could be read")
        self.frames, self.declared = frames, declared


class VideoTooLargeError(NoganError, ValueError):
    """The input is over a configured `VideoLimits` bound (duration, resolution or file size)."""


class VideoCancelled(NoganError):
    """The caller cancelled the work; partial outputs have been removed."""


class FFmpegError(NoganError, RuntimeError):
    """ffmpeg failed while decoding or encoding; the message ends with its last log lines."""
