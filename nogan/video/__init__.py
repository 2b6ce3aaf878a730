"""Film colourisation: streamed through ffmpeg, with chroma stabilisation across frames.

    from nogan import Colorizer
    from nogan.video import colorize_video
    colorize_video("old.mp4", "old_colorized.mp4", Colorizer.from_pretrained("video"))
"""
from .errors import FFmpegError, InvalidVideoError, TruncatedVideoError, VideoCancelled, VideoTooLargeError
from .pipeline import VideoResult, colorize_video
from .probe import VIDEO_EXTENSIONS, VideoInfo, VideoLimits, is_video_path, probe
from .stabilize import ChromaStabilizer, flicker_score

__all__ = ["VIDEO_EXTENSIONS", "ChromaStabilizer", "FFmpegError", "InvalidVideoError", "TruncatedVideoError",
           "VideoCancelled", "VideoInfo", "VideoLimits", "VideoResult", "VideoTooLargeError", "colorize_video",
           "flicker_score", "is_video_path", "probe"]
