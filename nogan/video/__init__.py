"""Film restoration and colourisation: streamed through ffmpeg, with chroma stabilisation across frames.

    from nogan import Colorizer
    from nogan.video import colorize_video, restore_video
    colorize_video("old.mp4", "old_colorized.mp4", Colorizer.from_pretrained("video"), restore=True)
    restore_video("old.mp4", "old_restored.mp4")  # dust, scratches, flicker and grain; no colour
"""
from .errors import FFmpegError, InvalidVideoError, TruncatedVideoError, VideoCancelled, VideoTooLargeError
from .pipeline import VideoResult, colorize_video, restore_video
from .probe import VIDEO_EXTENSIONS, VideoInfo, VideoLimits, is_video_path, probe
from .restore import FilmRestorer, RestoreOptions
from .stabilize import ChromaStabilizer, flicker_score

__all__ = ["VIDEO_EXTENSIONS", "ChromaStabilizer", "FFmpegError", "FilmRestorer", "InvalidVideoError",
           "RestoreOptions", "TruncatedVideoError", "VideoCancelled", "VideoInfo", "VideoLimits", "VideoResult",
           "VideoTooLargeError", "colorize_video", "flicker_score", "is_video_path", "probe", "restore_video"]
