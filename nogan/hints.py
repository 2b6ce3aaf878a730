"""Colour hints: "this coat was red". A person's colours override the model's where they belong.

Contract: hints are an RGBA picture of the photo's size; pixels with alpha > 0 say which colour
that pixel should be (alpha is how sure: 255 full, lower softer), transparent pixels say nothing.
Only the hint's chroma is used: the photo keeps its own luminance, so a red hint on a dark coat
gives a dark red coat. `draw_hints` makes such a picture from points and strokes; Gradio's image
editor layer and any paint program's transparent layer are already one.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Union

import cv2
import numpy as np
from PIL import Image, ImageColor, ImageDraw, UnidentifiedImageError

from .propagation import propagate_chroma

HintsInput = Union[str, os.PathLike, Image.Image, np.ndarray]
Colour = Union[str, Sequence[int]]  # "#c0392b", "red" or (192, 57, 43)
Point = tuple[float, float]  # x, y in pixels


def load_hints(hints: HintsInput, size: tuple[int, int]) -> np.ndarray:
    """The hints as an H x W x 4 uint8 RGBA array, checked against the photo's `size` (width, height)."""
    if isinstance(hints, (str, os.PathLike)):
        try:
            with Image.open(hints) as image:
                transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                hints = image.convert("RGBA") if transparent else image.copy()
        except (OSError, UnidentifiedImageError) as e:
            raise ValueError(f"hints={str(hints)!r} is not a picture we can read ({e})") from e
    if isinstance(hints, Image.Image):
        if hints.mode != "RGBA":
            raise ValueError(f"hints must be an RGBA picture (transparent where there is no hint), "
                             f"not mode {hints.mode!r}")
        hints = np.asarray(hints)
    if not isinstance(hints, np.ndarray):
        raise ValueError(f"hints must be an RGBA picture, path or array, not {type(hints).__name__}")
    if hints.ndim != 3 or hints.shape[2] != 4 or hints.dtype != np.uint8:
        raise ValueError(f"hints must be an H x W x 4 uint8 RGBA array, not {hints.shape} {hints.dtype}")
    if hints.shape[1::-1] != tuple(size):
        raise ValueError(f"hints of {hints.shape[1]}x{hints.shape[0]} pixels do not match the "
                         f"picture's {size[0]}x{size[1]}")
    return hints


def draw_hints(size: tuple[int, int], points: Iterable[tuple[Point, Colour]] = (),
               strokes: Iterable[tuple[Sequence[Point], Colour]] = (), radius: int = 3) -> Image.Image:
    """An RGBA hints picture of `size` (width, height) with dots and polyline strokes.

    >>> draw_hints((640, 480), points=[((120, 80), "#2e86c1")], strokes=[([(300, 200), (340, 260)], "red")])
    """
    if radius < 0:
        raise ValueError(f"radius={radius!r} must be 0 (single pixels) or more")
    image = Image.new("RGBA", tuple(size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for (x, y), colour in points:
        fill = _rgba(colour)
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=fill)
    for line, colour in strokes:
        line, fill = [tuple(p) for p in line], _rgba(colour)
        draw.line(line, fill=fill, width=2 * radius + 1, joint="curve")
        for x, y in (line[0], line[-1]):  # round caps
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=fill)
    return image


def _rgba(colour: Colour) -> tuple[int, int, int, int]:
    rgb = ImageColor.getrgb(colour) if isinstance(colour, str) else tuple(int(c) for c in colour)
    if len(rgb) not in (3, 4) or not all(0 <= c <= 255 for c in rgb):
        raise ValueError(f"colour={colour!r} must be a colour name, '#rrggbb' or 0-255 (r, g, b)")
    return (*rgb[:3], 255)


def apply_hints(image: Image.Image, colored: Image.Image, hints: HintsInput) -> Image.Image:
    """`colored` (the model's colours on `image`'s luminance) with the hints' colours spread over it.

    Each hint's chroma spreads over the region of similar luminance around it and stops at edges
    (see `nogan.propagation`); away from every hint the result keeps `colored`'s chroma. The
    luminance is `image`'s. Returns an "RGB" picture of `image`'s size.
    """
    rgba = load_hints(hints, image.size)
    luma = cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2YUV)[:, :, 0]
    if not (rgba[:, :, 3] > 0).any():
        return colored.convert("RGB")
    prior = _yuv(np.asarray(colored.convert("RGB")))[:, :, 1:]
    target = _yuv(rgba[:, :, :3])[:, :, 1:]
    confidence = rgba[:, :, 3].astype(np.float32) / 255
    chroma, _ = propagate_chroma(luma.astype(np.float32), prior, confidence, target)
    yuv = np.dstack([luma.astype(np.float32), chroma])
    return Image.fromarray(np.clip(cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB) + 0.5, 0, 255).astype(np.uint8))


def _yuv(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.float32), cv2.COLOR_RGB2YUV)
