"""The whole job in one call: restore an old photo, colour it, upscale it.

The colorizer sees the restored picture at its own size, so scratches and grain do not steer the
colours; when upscaling, only the luminance goes through super-resolution and the colour,
predicted at the usual size, is laid over it (chroma carries little detail, so nothing is lost).
"""
from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from .colorizer import Colorizer
from .imaging import ImageInput, keep_luminance, load_image, with_alpha
from .restore.restorer import Restorer, check_output_size, validate_upscale


class Remaster:
    """Restore, colour and upscale old photos.

    >>> remaster = Remaster.from_pretrained(colorizer="artistic")
    >>> remaster("grandma.jpg", upscale=2).save("grandma_remastered.png")
    """

    def __init__(self, restorer: Restorer, colorizer: Colorizer):
        self.restorer = restorer
        self.colorizer = colorizer

    @classmethod
    def from_pretrained(cls, colorizer: str | Path = "artistic", restorer: str | Path = "restore",
                        device: str | torch.device | None = None, precision: str | None = None) -> "Remaster":
        """Both models by name, local path or Hub repo id; nothing is loaded before the first picture."""
        return cls(Restorer.from_pretrained(restorer, device, precision),
                   Colorizer.from_pretrained(colorizer, device, precision))

    def __call__(self, image: ImageInput, *, upscale: int = 1, render_factor: int | None = None,
                 repair: bool = True, denoise: str | bool | float = "auto", contrast: bool = True,
                 sharpen: bool = True) -> Image.Image:
        """The restored, coloured picture ("RGB", or "RGBA" with the input's alpha), `upscale`
        times the input's size. Options as for `Restorer.restore` and `Colorizer.colorize`."""
        upscale = validate_upscale(upscale)
        original = load_image(image, self.restorer.max_pixels)
        check_output_size(original.size, upscale, self.restorer.max_pixels)
        restored = self.restorer.restore(original, repair=repair, denoise=denoise, contrast=contrast,
                                         sharpen=sharpen)
        coloured = self.colorizer.colorize(restored.convert("RGB"), render_factor)
        if upscale > 1:
            luma = self.restorer.restore(restored.convert("L"), repair=False, denoise=False,
                                         contrast=False, sharpen=False, upscale=upscale)
            coloured = keep_luminance(luma, coloured.resize(luma.size, Image.BICUBIC))
        return with_alpha(coloured, _alpha_at(original, coloured.size))


def _alpha_at(original: Image.Image, size: tuple[int, int]) -> Image.Image:
    """`original` with its alpha (if any) scaled to `size`, for `with_alpha`."""
    if original.mode != "RGBA" or original.size == size:
        return original
    return original.resize(size, Image.LANCZOS)
