"""Errors of the video pipeline; all derive from `nogan.NoganError`."""
from ..errors import NoganError


class InvalidVideoError(NoganError, ValueError):
    """The input is not a video we can read: corrupt, truncated, or without a video stream."""


class VideoTooLargeError(NoganError, ValueError):
    """The input is over a configured `VideoLimits` bound (duration, resolution or file size)."""


class VideoCancelled(NoganError):
    """The caller cancelled the work; partial outputs have been removed."""


class FFmpegError(NoganError, RuntimeError):
    """ffmpeg failed while decoding or encoding; the message ends with its last log lines."""
