"""Photo and film restoration in the app: the options a user picks, the one shared `Restorer`, and
the view of the damage it finds."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from nogan import Colorizer, OutOfMemoryError, Restorer, WeightsUnavailableError
from nogan.job import Job, Models, photo_result
from nogan.restore.denoise import Denoiser
from nogan.restore.restorer import UPSCALES, check_restorer_source
from nogan.restore.upscale import Upscaler
from nogan.video import RestoreOptions

from .errors import user_error
from .i18n import text

DAMAGE_RGB = (255, 32, 32)  # the damage view: found damage painted red over the photo
DAMAGE_OPACITY = 0.75


@dataclass(frozen=True)
class PhotoOptions:
    """What to do to a photo. The defaults are the app's behaviour before restoration: colour only."""

    colorize: bool = True
    repair: bool = False  # scratches, dust and cracks
    grain: bool = False
    contrast: bool = False  # fading undone, with a mild sharpening
    upscale: int = 1

    @property
    def restores(self) -> bool:
        return self.repair or self.grain or self.contrast or self.upscale > 1

    def job(self, render_factor: int) -> Job:
        """The library's job for these options (the app's "contrast" also sharpens)."""
        options = {"colorize": self.colorize, "upscale": self.upscale}
        if self.restores:
            options |= {"restore": True, "repair": self.repair, "denoise": "auto" if self.grain else False,
                        "contrast": self.contrast, "sharpen": self.contrast}
        return Job(render_factor=render_factor, options=options)

    @property
    def suffix(self) -> str:
        """The result's file name ending: `_colorized` whenever it is coloured, as before."""
        return "_colorized" if self.colorize else "_restored"


def photo_options(colorize: object, repair: object, grain: object, contrast: object, upscale: object,
                  lang: str) -> PhotoOptions:
    """The options as the controls (or an API caller) send them; anything else is a plain error."""
    try:
        factor = float(upscale)
    except (TypeError, ValueError):
        factor = float("nan")
    if factor not in UPSCALES:
        raise user_error(text("err_upscale", lang))
    options = PhotoOptions(bool(colorize), bool(repair), bool(grain), bool(contrast), int(factor))
    if not (options.colorize or options.restores):
        raise user_error(text("err_nothing_to_do", lang))
    return options


def film_options(colorize: object, dust: object, flicker: object, grain: object, lang: str) -> RestoreOptions | None:
    """The film restoration asked for (None: none); with nothing at all to do, a plain error."""
    options = RestoreOptions(dust=bool(dust), scratches=bool(dust), flicker=bool(flicker), grain=bool(grain))
    if not (colorize or options.any):
        raise user_error(text("err_nothing_to_do", lang))
    return options if options.any else None


class Restoration:
    """The app's one `Restorer`, shared by every request; each of its models (damage finder and
    learned fill, grain remover, upscaler) is loaded on the first request that needs it, outside
    the GPU call (on ZeroGPU what a GPU call loads is gone after it)."""

    def __init__(self, damage: str = "restore", denoiser: Denoiser | None = None, upscaler: Upscaler | None = None):
        """`damage`: the damage model's name or folder; the grain remover and upscaler are the
        packaged ones unless given."""
        self._denoiser = denoiser or Denoiser.from_pretrained()
        self._upscaler = upscaler or Upscaler.from_pretrained()
        self.restorer = Restorer(source=check_restorer_source(damage), denoiser=self._denoiser,
                                 upscaler=self._upscaler, fill_net="packaged")
        self._loaded: set[str] = set()
        self._lock = threading.Lock()  # two first requests must not load the same model twice

    def get(self, options: PhotoOptions, lang: str, progress: Callable[..., object]) -> Restorer:
        """The restorer, with the models `options` need loaded."""
        needed = {"damage": self.restorer if options.repair else None,
                  "grain": self._denoiser if options.grain else None,
                  "upscale": self._upscaler if options.upscale > 1 else None}
        with self._lock:
            missing = [name for name, model in needed.items() if model is not None and name not in self._loaded]
            if missing:
                progress(0.0, desc=text("loading_restorer", lang))
            try:
                for name in missing:
                    needed[name].load()
                    self._loaded.add(name)
            except WeightsUnavailableError as e:
                raise user_error(text("err_restore_weights", lang)) from e
        return self.restorer


def process_photo(original: Image.Image, options: PhotoOptions, colorizer: Colorizer | None,
                  restorer: Restorer | None, render_factor: int, lang: str) -> Image.Image:
    """`original` restored, coloured and upscaled as `options` say (a colorizer when it colours,
    a restorer when it restores). An upscale past the pixel limit, or past the memory, is a plain
    error that names a smaller factor."""
    if options.upscale > 1:
        width, height = original.size
        if width * height * options.upscale ** 2 > restorer.max_pixels:
            raise user_error(text("err_upscale_too_large", lang, upscale=options.upscale,
                                  megapixels=restorer.max_pixels // 1_000_000,
                                  smaller=smaller_upscale(original.size, restorer.max_pixels, options.upscale)))
    try:
        return photo_result(options.job(render_factor), Models(colorizer, restorer), original)
    except OutOfMemoryError as e:
        if options.upscale == 1:
            raise
        raise user_error(text("err_upscale_memory", lang, upscale=options.upscale,
                              smaller=options.upscale // 2)) from e


def smaller_upscale(size: tuple[int, int], max_pixels: int, upscale: int) -> int:
    """The largest factor below `upscale` (> 1) whose result stays within `max_pixels`."""
    return max(s for s in UPSCALES if s < upscale and size[0] * size[1] * s * s <= max_pixels)


def damage_view(photo: Image.Image, mask: Image.Image) -> Image.Image:
    """`photo` (any size) with the damage `mask` ("L", 255 on damage, any size) painted over it in red.
    A defect of one pixel stays visible when the mask is shrunk to a smaller photo."""
    found = np.asarray(mask) > 0
    if found.shape != (photo.height, photo.width):
        found = cv2.resize(found.astype(np.float32), photo.size, interpolation=cv2.INTER_AREA) > 0
    rgb = np.asarray(photo.convert("RGB"), dtype=np.float32)
    rgb[found] = (1 - DAMAGE_OPACITY) * rgb[found] + DAMAGE_OPACITY * np.float32(DAMAGE_RGB)
    return Image.fromarray(rgb.round().astype(np.uint8))
