"""Image input/output and DeOldify's pre- and post-processing, independent of any model.

Formats: a colour picture is a PIL image of mode "RGB", or "RGBA" when the input had alpha
(alpha is carried through untouched); arrays are H x W x 3 uint8 RGB.
"""
from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import Union

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageTooLargeError, InvalidImageError

ImageInput = Union[str, os.PathLike, bytes, Image.Image, np.ndarray]
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
DEFAULT_MAX_PIXELS = 64_000_000


def load_image(source: ImageInput, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Open a path, encoded file bytes, PIL image or array as "RGB" or "RGBA", EXIF orientation applied.

    16-bit and 32-bit greyscale (modes I;16, I, F) are scaled to 8 bits rather than clipped,
    CMYK and palette images are converted, transparency is kept as an alpha channel.
    """
    if isinstance(source, np.ndarray):
        image = _from_array(source)
    elif isinstance(source, Image.Image):
        image = source
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InvalidImageError(f"no such image file: {path}")
        image = _open(path, path.name, max_pixels)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        image = _open(io.BytesIO(source), "image", max_pixels)
    else:
        raise InvalidImageError(f"image must be a path, bytes, PIL image or numpy array, not {type(source).__name__}")
    if image.width * image.height > max_pixels:
        raise ImageTooLargeError(f"image of {image.width}x{image.height} pixels is over the limit of "
                                 f"{max_pixels:,} pixels")
    if image.width < 1 or image.height < 1:
        raise InvalidImageError(f"image has an empty size {image.size}")
    return _to_rgb(ImageOps.exif_transpose(image))


def _open(file: Path | io.BytesIO, name: str, max_pixels: int) -> Image.Image:
    with warnings.catch_warnings():
        # our own pixel limit replaces PIL's decompression-bomb heuristics
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(file)
        except Image.DecompressionBombError as e:
            raise ImageTooLargeError(f"{name} is too large to open safely ({e})") from e
        except (UnidentifiedImageError, OSError) as e:
            raise InvalidImageError(f"{name} is not an image we can read ({e})") from e
        with image:
            # the header's size is known before decoding: a decompression bomb never expands
            if image.width * image.height > max_pixels:
                raise ImageTooLargeError(f"{name} is {image.width}x{image.height} pixels, over the "
                                         f"limit of {max_pixels:,} pixels")
            try:
                image.load()
            except (OSError, SyntaxError, ValueError) as e:
                raise InvalidImageError(f"{name} is corrupt or truncated ({e})") from e
            return image


def _from_array(array: np.ndarray) -> Image.Image:
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)):
        raise InvalidImageError(f"array of shape {a.shape} is not an image (expected HxW, HxWx3 or HxWx4)")
    if a.dtype == np.uint16:
        a = _scale_16_bit(a)
    elif np.issubdtype(a.dtype, np.floating):
        a = (np.clip(a, 0, 1) * 255 + 0.5).astype(np.uint8)
    elif a.dtype != np.uint8:
        raise InvalidImageError(f"array dtype {a.dtype} is not supported (use uint8, uint16 or float in [0, 1])")
    return Image.fromarray(np.ascontiguousarray(a))


def _scale_16_bit(a: np.ndarray) -> np.ndarray:
    return ((a.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode in ("RGB", "RGBA"):
        return image
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        a = np.asarray(image).astype(np.int64)
        # "I" may hold 8-bit values (from an 8-bit source) or 16-bit ones (PNG 16-bit grey)
        grey = _scale_16_bit(np.clip(a, 0, 65535)) if a.max(initial=0) > 255 else a.clip(0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if mode == "F":
        a = np.asarray(image)
        scale = 255.0 if a.max(initial=0) <= 1.0 else 1.0
        return Image.fromarray(np.clip(a * scale + 0.5, 0, 255).astype(np.uint8)).convert("RGB")
    if mode in ("LA", "PA") or (mode == "P" and "transparency" in image.info):
        return image.convert("RGBA")
    return image.convert("RGB")


def to_model_input(image: Image.Image, render_factor: int) -> np.ndarray:
    """DeOldify's pre-processing: stretch to a square of render_factor*16 px, make grey.

    Returns H x W x 3 float32, ImageNet-normalised.
    """
    side = render_factor * 16
    small = image.convert("RGB").resize((side, side), Image.BILINEAR)
    grey = small.convert("LA").convert("RGB")
    return (np.asarray(grey, dtype=np.float32) / 255.0 - IMAGENET_MEAN) / IMAGENET_STD


def from_model_output(output: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """Denormalise H x W x 3 float output, truncate to uint8 as the original does, resize to `size`."""
    rgb = np.clip(output * IMAGENET_STD + IMAGENET_MEAN, 0.0, 1.0) * 255
    return Image.fromarray(rgb.astype(np.uint8)).resize(size, Image.BILINEAR)


def keep_luminance(original: Image.Image, colored: Image.Image) -> Image.Image:
    """Post-processing: the original's luminance (Y) with the model's chroma (U, V)."""
    y = cv2.cvtColor(np.asarray(original.convert("RGB")), cv2.COLOR_RGB2YUV)
    uv = cv2.cvtColor(np.asarray(colored), cv2.COLOR_RGB2YUV)
    y[:, :, 1:] = uv[:, :, 1:]
    return Image.fromarray(cv2.cvtColor(y, cv2.COLOR_YUV2RGB))


def with_alpha(rgb: Image.Image, original: Image.Image) -> Image.Image:
    """Put `original`'s alpha channel (if any) back on the coloured result."""
    if original.mode != "RGBA":
        return rgb
    out = rgb.convert("RGBA")
    out.putalpha(original.getchannel("A"))
    return out
