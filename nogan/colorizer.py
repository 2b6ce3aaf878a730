"""The photo pipeline: image in, coloured image of the same size out."""
from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .device import PRECISIONS, out_of_memory_as, resolve_device, resolve_precision
from .errors import OutOfMemoryError, WeightsUnavailableError
from .hints import HintsInput, apply_hints, load_hints
from .imaging import (DEFAULT_MAX_PIXELS, ImageInput, from_model_output, keep_luminance, load_image,
                      to_model_input, with_alpha)
from .models import UnetGenerator
from .models.winograd import use_winograd
from .weights.loader import check_source, load_model
from .weights.pretrained import ModelInfo

MAX_RENDER_FACTOR = 100


def validate_render_factor(render_factor: int) -> int:
    """The model sees a square of render_factor * 16 pixels: higher is sharper colour, slower."""
    if isinstance(render_factor, bool) or not isinstance(render_factor, (int, np.integer)) \
            or not 1 <= render_factor <= MAX_RENDER_FACTOR:
        raise ValueError(f"render_factor={render_factor!r} must be an integer from 1 to {MAX_RENDER_FACTOR}")
    return int(render_factor)


def _prepare(model: UnetGenerator, device: torch.device, precision: str) -> UnetGenerator:
    model = model.eval().to(device=device, dtype=PRECISIONS[precision])
    model.head.float()  # 3 output channels: fp32 costs nothing and halves the output's rounding error
    if device.type in ("cpu", "cuda"):
        model = model.to(memory_format=torch.channels_last)  # faster convolutions in oneDNN and cuDNN
    if device.type == "cpu" and precision == "fp32":
        use_winograd(model)  # cuDNN chooses Winograd itself; PyTorch's CPU convolutions are direct
    return model


@functools.lru_cache(maxsize=4)
def _load_prepared(source: str, device: torch.device, precision: str) -> tuple[UnetGenerator, ModelInfo]:
    model, info = load_model(source)
    return _prepare(model, device, precision), info


class Colorizer:
    """Colours black-and-white photos (and video frames) with a NoGAN generator.

    >>> colorizer = Colorizer.from_pretrained("artistic")
    >>> colorizer.colorize("grandma.jpg").save("grandma_colorized.png")
    """

    def __init__(self, model: UnetGenerator | None = None, device: str | torch.device | None = None,
                 precision: str | None = None, info: ModelInfo | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, *, source: str | None = None):
        """Wrap an in-memory `model`; `from_pretrained` passes a `source` to load lazily instead.

        The model is prepared in place for inference: eval mode, the device and dtype, channels-last,
        and on a CPU in fp32, 3x3 convolutions by Winograd (`nogan.models.winograd`).
        """
        if (model is None) == (source is None):
            raise ValueError("pass either a model or a source, not both or neither")
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.max_pixels = max_pixels
        self._source = source
        self._model = None if model is None else _prepare(model, self.device, self.precision)
        self._info = None if model is None else info or ModelInfo("custom")

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path = "artistic", device: str | torch.device | None = None,
                        precision: str | None = None, max_pixels: int = DEFAULT_MAX_PIXELS) -> "Colorizer":
        """A colorizer for a known model name, a local folder or `.pth`, or a Hub repo id.

        Nothing is downloaded or loaded until the first picture; loaded models are shared between
        colorizers of the same model, device and precision.
        """
        return cls(device=device, precision=precision, max_pixels=max_pixels, source=check_source(name_or_path))

    def load(self) -> "Colorizer":
        """Load the weights now (downloading them if needed) instead of at the first picture."""
        if self._model is None:
            self._model, self._info = _load_prepared(self._source, self.device, self.precision)
        return self

    @property
    def is_loaded(self) -> bool:
        return self._model is not None

    @property
    def info(self) -> ModelInfo:
        return self.load()._info

    def colorize(self, image: ImageInput, render_factor: int | None = None, post_process: bool = True,
                 hints: HintsInput | None = None) -> Image.Image:
        """Colour one picture; the result has the input's size (and its alpha channel, if any).

        hints: an RGBA picture (or its path, or an H x W x 4 array) of the input's size whose
            opaque pixels give wanted colours; they spread over their regions (see `nogan.hints`).
        """
        self.load()
        rf = validate_render_factor(self._info.photo_render_factor if render_factor is None else render_factor)
        original = load_image(image, self.max_pixels)
        hints = None if hints is None else load_hints(hints, original.size)  # a wrong size fails before the model
        output = self._forward(to_model_input(original, rf)[None], rf)[0]
        colored = from_model_output(output, original.size)
        if post_process:
            colored = keep_luminance(original, colored)
        if hints is not None:
            colored = apply_hints(original, colored, hints)
        return with_alpha(colored, original)

    def colorize_batch(self, frames: Sequence[np.ndarray], render_factor: int | None = None,
                       post_process: bool = True,
                       hints: Sequence[HintsInput | None] | None = None) -> list[np.ndarray]:
        """Colour video frames (H x W x 3 uint8 RGB arrays) in one forward pass.

        hints: None, or one entry per frame: None or that frame's hints (as for `colorize`).
        """
        self.load()
        rf = validate_render_factor(self._info.video_render_factor if render_factor is None else render_factor)
        if hints is not None and len(hints) != len(frames):
            raise ValueError(f"hints has {len(hints)} entries for {len(frames)} frames; give one per frame")
        if not frames:
            return []
        originals = [Image.fromarray(np.asarray(f, dtype=np.uint8)) for f in frames]
        hints = [None if h is None else load_hints(h, im.size)
                 for h, im in zip(hints or [None] * len(frames), originals)]
        outputs = self._forward(np.stack([to_model_input(im, rf) for im in originals]), rf)
        results = []
        for original, output, hint in zip(originals, outputs, hints):
            colored = from_model_output(output, original.size)
            if post_process:
                colored = keep_luminance(original, colored)
            if hint is not None:
                colored = apply_hints(original, colored, hint)
            results.append(np.asarray(colored))
        return results

    def _forward(self, batch: np.ndarray, render_factor: int) -> np.ndarray:
        """N x H x W x 3 normalised float32 in, the same out."""
        x = torch.from_numpy(batch).permute(0, 3, 1, 2)
        x = x.to(self.device, PRECISIONS[self.precision]).contiguous(memory_format=torch.channels_last)
        with out_of_memory_as(lambda: self._oom(render_factor, len(batch))), torch.inference_mode():
            y = self._model(x)
        return y.float().permute(0, 2, 3, 1).cpu().numpy()

    def _oom(self, render_factor: int, batch_size: int) -> OutOfMemoryError:
        lower = max(1, min(render_factor - 7, render_factor * 2 // 3))
        what = f"{batch_size} frames" if batch_size > 1 else "this picture"
        return OutOfMemoryError(f"{self.device.type} ran out of memory colouring {what} at render_factor="
                                f"{render_factor}; try a lower render factor such as {lower}")

    def __repr__(self) -> str:
        name = self._info.name if self._info else self._source
        return f"Colorizer({name!r}, device={self.device.type!r}, precision={self.precision!r})"


def load_colorizer(name_or_path: str | Path, device: str | None = None, precision: str | None = None,
                   fallback: str | None = "lite") -> tuple[Colorizer, str | None]:
    """A loaded colorizer, falling back to the bundled `fallback` model when the weights of
    `name_or_path` cannot be had (offline). Returns the colorizer and a note saying so, or None."""
    from .weights.loader import available_models

    colorizer = Colorizer.from_pretrained(name_or_path, device, precision)
    try:
        return colorizer.load(), None
    except WeightsUnavailableError as e:
        if fallback is None or str(name_or_path) == fallback or fallback not in available_models():
            raise
        note = f"'{name_or_path}' is unavailable ({e}); using the bundled offline model '{fallback}' instead"
        return Colorizer.from_pretrained(fallback, device, precision).load(), note
