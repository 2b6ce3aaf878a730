"""nogan: colour black-and-white photos and films with NoGAN (DeOldify) generators.

    from nogan import Colorizer
    Colorizer.from_pretrained("artistic").colorize("old.jpg").save("old_colorized.png")
    Restorer.from_pretrained().restore("old.jpg", upscale=2).save("old_restored.png")
    Remaster.from_pretrained()("old.jpg", upscale=2).save("old_remastered.png")  # restore, colour, upscale

The names below are imported on first use, so that `import nogan` (and `python -m nogan --help`)
does not wait for PyTorch.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_EXPORTS = {
    ".colorizer": ["Colorizer", "load_colorizer", "validate_render_factor"],
    ".errors": ["ImageTooLargeError", "InvalidImageError", "NoganError", "OutOfMemoryError", "WeightsMismatchError",
                "WeightsUnavailableError"],
    ".hints": ["apply_hints", "draw_hints"],
    ".models": ["GeneratorConfig", "UnetGenerator"],
    ".palette": ["transfer_palette"],
    ".remaster": ["Remaster"],
    ".restore": ["Restorer"],
    ".video.errors": ["FFmpegError", "InvalidVideoError", "TruncatedVideoError", "VideoCancelled",
                      "VideoTooLargeError"],
    ".weights.loader": ["available_models", "load_model"],
    ".weights.pretrained": ["ModelInfo", "load_pretrained", "save_pretrained"],
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = ["Colorizer", "FFmpegError", "GeneratorConfig", "ImageTooLargeError", "InvalidImageError",
           "InvalidVideoError", "ModelInfo", "NoganError", "OutOfMemoryError", "Remaster", "Restorer",
           "TruncatedVideoError", "UnetGenerator", "VideoCancelled", "VideoTooLargeError", "WeightsMismatchError",
           "WeightsUnavailableError", "apply_hints", "available_models", "draw_hints", "load_colorizer",
           "load_model", "load_pretrained", "save_pretrained", "transfer_palette", "validate_render_factor"]


def __getattr__(name: str) -> object:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'nogan' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULE_OF[name], __name__), name)
    globals()[name] = value  # the next look-up is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # for type checkers and IDEs, which do not run __getattr__
    from .colorizer import Colorizer, load_colorizer, validate_render_factor
    from .errors import (ImageTooLargeError, InvalidImageError, NoganError, OutOfMemoryError,
                         WeightsMismatchError, WeightsUnavailableError)
    from .hints import apply_hints, draw_hints
    from .models import GeneratorConfig, UnetGenerator
    from .palette import transfer_palette
    from .remaster import Remaster
    from .restore import Restorer
    from .video.errors import (FFmpegError, InvalidVideoError, TruncatedVideoError, VideoCancelled,
                               VideoTooLargeError)
    from .weights.loader import available_models, load_model
    from .weights.pretrained import ModelInfo, load_pretrained, save_pretrained
