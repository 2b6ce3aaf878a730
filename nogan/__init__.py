"""nogan: colour black-and-white photos and films with NoGAN (DeOldify) generators.

    from nogan import Colorizer
    Colorizer.from_pretrained("artistic").colorize("old.jpg").save("old_colorized.png")
    Restorer.from_pretrained().restore("old.jpg", upscale=2).save("old_restored.png")
    Remaster.from_pretrained()("old.jpg", upscale=2).save("old_remastered.png")  # restore, colour, upscale
"""
from .colorizer import Colorizer, load_colorizer, validate_render_factor
from .errors import (ImageTooLargeError, InvalidImageError, NoganError, OutOfMemoryError,
                     WeightsMismatchError, WeightsUnavailableError)
from .models import GeneratorConfig, UnetGenerator
from .remaster import Remaster
from .restore import Restorer
from .video.errors import FFmpegError, InvalidVideoError, VideoCancelled, VideoTooLargeError
from .weights.loader import available_models, load_model
from .weights.pretrained import ModelInfo, load_pretrained, save_pretrained

__all__ = ["Colorizer", "FFmpegError", "GeneratorConfig", "ImageTooLargeError", "InvalidImageError",
           "InvalidVideoError", "ModelInfo", "NoganError", "OutOfMemoryError", "Remaster", "Restorer", "UnetGenerator",
           "VideoCancelled", "VideoTooLargeError", "WeightsMismatchError", "WeightsUnavailableError",
           "available_models", "load_colorizer", "load_model", "load_pretrained", "save_pretrained",
           "validate_render_factor"]
