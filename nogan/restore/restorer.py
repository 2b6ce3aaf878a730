"""The photo restoration pipeline: damage repair, grain, fading, softness, then upscaling.

Formats: a picture comes in as anything `nogan.imaging.load_image` reads (path, PIL image of any
mode, array; EXIF orientation applied, 16-bit scaled to 8) and goes out as a PIL image of mode
"L" when it was grey (all channels equal, within JPEG's rounding) or "RGB" when it had colour,
with "A" added when it had alpha; its size is the input's times `upscale`.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from ..device import out_of_memory_as, resolve_device, resolve_precision
from ..errors import ImageTooLargeError, OutOfMemoryError, WeightsUnavailableError
from ..imaging import DEFAULT_MAX_PIXELS, ImageInput, load_image
from ..weights.folder import CONFIG_NAME, WEIGHTS_NAME
from .damage import DamageNet, detect_damage, load_damage_net
from .damage_net import BUNDLED as BUNDLED_DAMAGE
from .denoise import Denoiser, estimate_noise, grain_level
from .fill_net import FillNet, load_fill_net
from .repair import inpaint, with_halos
from .sharpen import sharpen as sharpen_luma
from .tone import remove_cast, restore_contrast
from .upscale import Upscaler

# name -> folder of the damage model; the denoiser and upscaler are the packaged defaults
RESTORERS = {"restore": BUNDLED_DAMAGE}
UPSCALES = (1, 2, 4)
MIN_SIGMA = 2.0  # grey levels: below this a picture's grain is left alone
GREY_SPREAD = 6  # grey levels between channels that still count as grey (JPEG chroma rounding)
REPAIR_GROW = 1  # px: defects' soft edges, which the mask leaves out, are filled with them
REPAIR_CLOSE = 2  # px: gaps in a found defect (a scratch found along its edges) are closed


def available_restorers() -> list[str]:
    """Names accepted by `Restorer.from_pretrained` (only those whose files are present)."""
    return [name for name, folder in RESTORERS.items() if (folder / CONFIG_NAME).is_file()]


def check_restorer_source(name_or_path: str | Path) -> str:
    """Validate a restoration model reference without loading anything."""
    key = str(name_or_path)
    if key in available_restorers() or Path(key).expanduser().exists():
        return key
    if key.count("/") == 1 and not Path(key).suffix and all(key.split("/")):
        return key  # a Hub repo id holding a damage model in our folder format
    raise ValueError(f"name_or_path={key!r} is neither a known restoration model "
                     f"({', '.join(available_restorers()) or 'none installed'}), an existing folder, "
                     "nor a Hub repo id 'owner/name'")


@functools.lru_cache(maxsize=4)
def _load_damage_net(source: str, device: torch.device) -> DamageNet:
    if source in RESTORERS:
        folder = RESTORERS[source]
    elif Path(source).expanduser().exists():
        folder = Path(source).expanduser()
    else:
        from ..weights.hub import fetch

        folder = fetch(source, CONFIG_NAME).parent
        fetch(source, WEIGHTS_NAME)
    if not (folder / CONFIG_NAME).is_file():
        raise WeightsUnavailableError(f"{folder} holds no {CONFIG_NAME}: not a damage model folder")
    return load_damage_net(folder).to(device)


@functools.lru_cache(maxsize=4)
def _load_fill_net(device: torch.device) -> FillNet:
    return load_fill_net().to(device)  # the bundled one


@functools.lru_cache(maxsize=4)
def _load_denoiser(device: torch.device, precision: str) -> Denoiser:
    return Denoiser.from_pretrained(device=device, precision=precision)


@functools.lru_cache(maxsize=4)
def _load_upscaler(device: torch.device, precision: str) -> Upscaler:
    return Upscaler.from_pretrained(device=device, precision=precision)  # the upscale module's default model


def validate_upscale(upscale: int) -> int:
    if isinstance(upscale, bool) or upscale not in UPSCALES:
        raise ValueError(f"upscale={upscale!r} must be one of {', '.join(map(str, UPSCALES))}")
    return int(upscale)


def validate_denoise(denoise: str | bool | float) -> float:
    """`denoise` as a multiple of the estimated noise level: "auto"/True 1, False 0."""
    if (isinstance(denoise, str) and denoise == "auto") or denoise is True:
        return 1.0
    if denoise is False or denoise is None:
        return 0.0
    if isinstance(denoise, (int, float, np.number)) and 0 <= denoise <= 4:
        return float(denoise)
    raise ValueError(f"denoise={denoise!r} must be 'auto', False or a strength from 0 to 4 "
                     "(a multiple of the grain level found)")


def check_output_size(size: tuple[int, int], upscale: int, max_pixels: int) -> tuple[int, int]:
    """The size `upscale` makes of `size`; refused when it is over `max_pixels`."""
    width, height = size[0] * upscale, size[1] * upscale
    if width * height > max_pixels:
        smaller = [s for s in UPSCALES if size[0] * size[1] * s * s <= max_pixels][-1]
        raise ImageTooLargeError(f"upscale={upscale} of {size[0]}x{size[1]} would make {width}x{height} "
                                 f"= {width * height:,} pixels, over the limit of {max_pixels:,} pixels; "
                                 f"use upscale={smaller} or a smaller picture")
    return width, height


def is_grey(rgb: np.ndarray) -> bool:
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    return np.count_nonzero(spread > GREY_SPREAD) <= spread.size // 1000


def repair_mask(damage: np.ndarray) -> np.ndarray:
    """The pixels to fill for a detected damage mask (bool): gaps closed and edges grown, so no
    damaged pixel is left inside or beside a filled one to bleed into the fill. uint8 0/1."""
    disc = lambda radius: cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2)  # noqa: E731
    closed = cv2.morphologyEx(damage.astype(np.uint8), cv2.MORPH_CLOSE, disc(REPAIR_CLOSE))
    return cv2.dilate(closed, disc(REPAIR_GROW))


def luminance(pixels: np.ndarray) -> np.ndarray:
    return pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)


class Restorer:
    """Repairs scratches, dust and cracks, reduces grain, restores faded contrast and softness,
    and upscales old photos.

    >>> restorer = Restorer.from_pretrained()
    >>> restorer.restore("grandpa.jpg", upscale=2).save("grandpa_restored.png")
    """

    def __init__(self, damage_net: DamageNet | None = None, denoiser: Denoiser | None = None,
                 upscaler: Upscaler | None = None, device: str | torch.device | None = None,
                 precision: str | None = None, max_pixels: int = DEFAULT_MAX_PIXELS, *,
                 fill_net: FillNet | str | None = None, source: str | None = None):
        """Use in-memory models; `from_pretrained` passes a `source` to load the damage model
        lazily instead. A denoiser or upscaler not given is the packaged one, loaded when needed.
        `fill_net`: the learned correction of FSR's fill of wide damage (`nogan.restore.fill_net`),
        "packaged" for the bundled one (loaded when needed), or None: FSR's fill stays."""
        if (damage_net is None) == (source is None):
            raise ValueError("pass either a damage_net or a source, not both or neither")
        if isinstance(fill_net, str) and fill_net != "packaged":
            raise ValueError(f"fill_net={fill_net!r} must be a FillNet, 'packaged' or None")
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.max_pixels = max_pixels
        self._source = source
        self._damage_net = None if damage_net is None else damage_net.to(self.device).eval()
        self._denoiser = denoiser
        self._upscaler = upscaler
        self._fill_net = fill_net if fill_net is None or isinstance(fill_net, str) else fill_net.to(self.device).eval()
        self._last_damage: tuple[bytes, np.ndarray] | None = None  # (the picture's digest, its mask)

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path = "restore", device: str | torch.device | None = None,
                        precision: str | None = None, max_pixels: int = DEFAULT_MAX_PIXELS, *,
                        fill_net: FillNet | str | None = "packaged") -> "Restorer":
        """A restorer with a known model name, a local folder or a Hub repo id; `fill_net` as in
        `__init__` (by default the bundled learned fill).

        Nothing is loaded until the first picture; loaded models are shared between restorers of
        the same model, device and precision.
        """
        return cls(device=device, precision=precision, max_pixels=max_pixels, fill_net=fill_net,
                   source=check_restorer_source(name_or_path))

    def load(self) -> "Restorer":
        """Load what repair needs (the damage model, and the packaged fill when it is used) now
        instead of at the first picture."""
        if self._damage_net is None:
            self._damage_net = _load_damage_net(self._source, self.device)
        self._get_fill_net()
        return self

    @property
    def is_loaded(self) -> bool:
        return self._damage_net is not None

    def damage_mask(self, image: ImageInput) -> Image.Image:
        """Where damage was found: mode "L", the input's size, 255 on damage, 0 elsewhere."""
        pixels = np.asarray(load_image(image, self.max_pixels).convert("RGB"))
        return Image.fromarray(self._find_damage(luminance(pixels)).astype(np.uint8) * 255)

    def restore(self, image: ImageInput, *, repair: bool = True, denoise: str | bool | float = "auto",
                contrast: bool = True, sharpen: bool = True, upscale: int = 1) -> Image.Image:
        """Restore one picture; each step can be switched off.

        `repair`: fill the scratches, dust and cracks `damage_mask` finds. `denoise`: "auto"
        removes the grain at the level estimated in the picture, a number scales that level
        (0.5 half as strong, 2 twice), False removes nothing. `contrast`: undo fading (levels, local contrast, colour cast). `sharpen`: mild,
        halo-free sharpening. `upscale`: 1, 2 or 4, by super-resolution.
        """
        upscale = validate_upscale(upscale)
        strength = validate_denoise(denoise)
        original = load_image(image, self.max_pixels)
        check_output_size(original.size, upscale, self.max_pixels)
        rgb = np.asarray(original.convert("RGB"))
        pixels = np.ascontiguousarray(rgb[:, :, 0]) if is_grey(rgb) else rgb
        if repair:
            grey = luminance(pixels)
            grain = grain_level(grey)
            holes = with_halos(repair_mask(self._find_damage(grey, grain)), grey, grain)
            with self._memory_guard("filling the damage in this picture", "a smaller picture"):
                pixels = inpaint(pixels, holes, self._get_fill_net())
        if strength:
            sigma = strength * estimate_noise(luminance(pixels))
            if sigma >= MIN_SIGMA:
                with self._memory_guard("removing grain from this picture", "a smaller picture"):
                    pixels = self._get_denoiser()(pixels, sigma)
        if contrast or sharpen:
            pixels = self._tone(pixels, contrast, sharpen)
        if upscale > 1:
            hint = "upscale=2" if upscale == 4 else "upscale=1 or a smaller picture"
            with self._memory_guard(f"upscaling this picture x{upscale}", hint):
                pixels = self._get_upscaler()(pixels, upscale)
        result = Image.fromarray(pixels)
        if original.mode == "RGBA":
            result.putalpha(original.getchannel("A").resize(result.size, Image.LANCZOS))
        return result

    @staticmethod
    def _tone(pixels: np.ndarray, contrast: bool, sharpen: bool) -> np.ndarray:
        if pixels.ndim == 2:
            luma = restore_contrast(pixels) if contrast else pixels
            return sharpen_luma(luma) if sharpen else luma
        lab = cv2.cvtColor(pixels, cv2.COLOR_RGB2LAB)
        if contrast:
            lab = remove_cast(lab)
            lab[:, :, 0] = restore_contrast(lab[:, :, 0])
        if sharpen:
            lab[:, :, 0] = sharpen_luma(lab[:, :, 0])
        return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)

    def _find_damage(self, grey: np.ndarray, grain: float | None = None) -> np.ndarray:
        # showing the damage and repairing it ask about the same picture: find it once
        hasher = hashlib.blake2b(f"{grey.shape} {grey.dtype}".encode(), digest_size=16)
        hasher.update(np.ascontiguousarray(grey))
        digest = hasher.digest()
        if self._last_damage is not None and self._last_damage[0] == digest:
            return self._last_damage[1]
        self.load()
        with self._memory_guard("looking for damage in this picture", "a smaller picture"):
            mask = detect_damage(self._damage_net, grey, device=self.device, precision=self.precision,
                                 grain=grain)
        mask.setflags(write=False)
        self._last_damage = digest, mask
        return mask

    def _get_fill_net(self) -> FillNet | None:
        if isinstance(self._fill_net, str):  # "packaged"
            self._fill_net = _load_fill_net(self.device)
        return self._fill_net

    def _get_denoiser(self) -> Denoiser:
        if self._denoiser is None:
            self._denoiser = _load_denoiser(self.device, self.precision)
        return self._denoiser

    def _get_upscaler(self) -> Upscaler:
        if self._upscaler is None:
            self._upscaler = _load_upscaler(self.device, self.precision)
        return self._upscaler

    def _memory_guard(self, doing: str, hint: str) -> contextlib.AbstractContextManager[None]:
        """Out of memory in the block becomes an OutOfMemoryError that says what to try."""
        return out_of_memory_as(lambda: OutOfMemoryError(f"{self.device.type} ran out of memory {doing}; "
                                                         f"try {hint}"))

    def __repr__(self) -> str:
        name = self._source or "custom"
        return f"Restorer({name!r}, device={self.device.type!r}, precision={self.precision!r})"
