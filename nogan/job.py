"""One job: every option the CLI takes, and the work done on each file.

The local CLI and the Ray backend (`nogan.cluster`) both load a job's `Models` once per worker and
call `process_photo` and `process_video` with the same `Job`, so an option means the same wherever
a file is done and the same input gives the same output file.
"""
from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from PIL import Image

from .colorizer import Colorizer, load_colorizer, validate_render_factor
from .device import PRECISIONS
from .hints import apply_hints, load_hints
from .imaging import with_alpha
from .palette import transfer_palette
from .remaster import Remaster
from .restore.restorer import Restorer, validate_denoise, validate_upscale
from .video.restore.options import RestoreOptions

if TYPE_CHECKING:
    from .video.pipeline import Progress, VideoResult

# The steps beyond colouring and their defaults; a job's `options` may set any of these keys.
PIPELINE_DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "colorize": True,  # False: restoration alone (needs restore)
    "restore": False,  # photos: `Restorer` with the photo steps; films: `RestoreOptions` with the film steps
    "restore_model": "restore",  # the photo damage model (`Restorer.from_pretrained`)
    "repair": True, "denoise": "auto", "contrast": True, "sharpen": True,  # photo steps (`Restorer.restore`)
    "upscale": 1,  # photos: 1, 2 or 4 (super-resolution); films keep their size
    "dust": True, "scratches": True, "flicker": True, "grain": True,  # film steps (`RestoreOptions`)
    "frame_repair": False,  # films: also repair each frame as a photo (`RestoreOptions.photo`)
    "hints": None,  # path of an RGBA hints picture of the input's size (`nogan.hints`)
    "hints_frame": 0,  # films: the frame (from 0) the hints were drawn on
    "reference": None,  # photos: path of a colour photo whose palette the result takes (`transfer_palette`)
})
PIPELINE_OPTIONS: frozenset[str] = frozenset(PIPELINE_DEFAULTS)
PHOTO_STEPS = ("repair", "denoise", "contrast", "sharpen")
FILM_STEPS = {"dust": "dust", "scratches": "scratches", "flicker": "flicker", "grain": "grain",
              "frame_repair": "photo"}  # option -> `RestoreOptions` field
_OFF = {"repair": False, "denoise": False, "contrast": False, "sharpen": False}


@dataclass(frozen=True)
class Job:
    """What to do with every file. Cheap to pickle: it names the models, it never holds weights.

    model: a model name, local folder or `.pth`, or Hub repo id (as `Colorizer.from_pretrained`).
    render_factor: None uses the model's default (photos and videos have their own).
    device, precision: None picks the best available (on a GPU: CUDA in fp16).
    post_process: keep the source's luminance (see `Colorizer.colorize`); restoring or upscaling
        always does.
    stabilization, keyframe_interval, allow_truncated: videos only, as `colorize_video`.
    options: restoration, upscaling and hints, by key (see `PIPELINE_DEFAULTS`); keys not given
        take their defaults.
    """

    model: str = "artistic"
    render_factor: int | None = None
    device: str | None = None
    precision: str | None = None
    post_process: bool = True
    stabilization: float = 0.5
    keyframe_interval: int | None = None
    allow_truncated: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.render_factor is not None:
            validate_render_factor(self.render_factor)
        if self.precision is not None and self.precision not in PRECISIONS:
            raise ValueError(f"precision={self.precision!r} is not one of {', '.join(PRECISIONS)}")
        if not 0 <= self.stabilization <= 1:
            raise ValueError(f"stabilization={self.stabilization!r} must be from 0 (off) to 1")
        interval = self.keyframe_interval
        if interval is not None and (isinstance(interval, bool) or not isinstance(interval, int) or interval < 1):
            raise ValueError(f"keyframe_interval={self.keyframe_interval!r} must be a positive integer")
        unknown = sorted(set(self.options) - PIPELINE_OPTIONS)
        if unknown:
            raise ValueError(f"options {unknown} are not known (known: {', '.join(sorted(PIPELINE_OPTIONS))})")
        _check_options(self.options, self.post_process)
        object.__setattr__(self, "model", str(self.model))
        object.__setattr__(self, "options", MappingProxyType({**PIPELINE_DEFAULTS, **self.options}))

    @property
    def photo_steps(self) -> dict[str, Any]:
        """The `Restorer.restore` steps for photos: the chosen ones when restoring, else all off."""
        return {step: self.options[step] for step in PHOTO_STEPS} if self.options["restore"] else dict(_OFF)

    @property
    def film_restoration(self) -> RestoreOptions | bool:
        """`colorize_video`'s `restore`: the chosen film steps when restoring, else False."""
        if not self.options["restore"]:
            return False
        return RestoreOptions(**{name: self.options[key] for key, name in FILM_STEPS.items()})

    def for_frames(self, first: int, count: int) -> Job:
        """This job for frames `first` to `first + count - 1` of a film cut into pieces: the hints
        go to the piece holding their frame, numbered from the piece's start."""
        frame = self.options["hints_frame"]
        if self.options["hints"] is None or (first == 0 and count > frame):
            return self
        hints = {"hints": self.options["hints"], "hints_frame": frame - first} if first <= frame < first + count else {}
        return dataclasses.replace(self, options={**self.options, "hints": None, "hints_frame": 0, **hints})

    def to_dict(self) -> dict[str, Any]:
        """The job's fields as plain values; `Job(**job.to_dict())` is the same job."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return values | {"options": dict(self.options)}

    def __reduce__(self):  # MappingProxyType does not pickle; Ray ships jobs to its workers
        return _rebuild_job, (self.to_dict(),)

    def load_models(self) -> Models:
        """The models this job needs, loaded once per worker (the restorer loads at its first photo)."""
        colorizer, note, restorer = None, None, None
        if self.options["colorize"]:
            colorizer, note = load_colorizer(self.model, self.device, self.precision)
        if self.options["restore"] or self.options["upscale"] > 1:
            restorer = Restorer.from_pretrained(self.options["restore_model"], self.device, self.precision)
        return Models(colorizer, restorer, note)


def _check_options(given: Mapping[str, Any], post_process: bool) -> None:
    """Refuse option values out of range and combinations that cannot be done, naming the keys."""
    options = {**PIPELINE_DEFAULTS, **given}
    changed = {key for key, value in options.items() if value != PIPELINE_DEFAULTS[key]}
    for key in ("colorize", "restore", "repair", "contrast", "sharpen"):
        if not isinstance(options[key], bool):
            raise ValueError(f"{key}={options[key]!r} must be True or False")
    validate_upscale(options["upscale"])
    validate_denoise(options["denoise"])
    RestoreOptions(**{name: options[key] for key, name in FILM_STEPS.items()})
    frame = options["hints_frame"]
    if isinstance(frame, bool) or not isinstance(frame, int) or frame < 0:
        raise ValueError(f"hints_frame={frame!r} must be a frame number from 0")
    steps = sorted(changed & {*PHOTO_STEPS, *FILM_STEPS})
    if steps and not options["restore"]:
        raise ValueError(f"restoration steps ({', '.join(steps)}) need restore=True")
    if "hints_frame" in changed and options["hints"] is None:
        raise ValueError("hints_frame says which frame the hints belong to: it needs hints")
    if not options["colorize"]:
        if not options["restore"]:
            raise ValueError("colorize=False means restoration alone: it needs restore=True")
        coloured = [key for key in ("hints", "reference") if options[key] is not None]
        if coloured:
            raise ValueError(f"colour options ({', '.join(coloured)}) need colorize=True")
    elif not post_process and (options["restore"] or options["upscale"] > 1):
        raise ValueError("post_process=False keeps the model's own luminance, which restore and upscale replace")


def _rebuild_job(values: dict[str, Any]) -> Job:
    return Job(**values)


@dataclass(frozen=True)
class Models:
    """What a worker loads once and uses for every file of a job.

    colorizer: None when the job only restores. restorer: when photos are restored or upscaled.
    remaster: both in one call, when colouring too. note: when the bundled offline model stands in
    for the job's model.
    """

    colorizer: Colorizer | None
    restorer: Restorer | None
    note: str | None = None
    remaster: Remaster | None = field(init=False)

    def __post_init__(self) -> None:
        both = self.colorizer is not None and self.restorer is not None
        object.__setattr__(self, "remaster", Remaster(self.restorer, self.colorizer) if both else None)

    @property
    def name(self) -> str:
        """The colour model's name, or "none" when the job only restores."""
        return self.colorizer.info.name if self.colorizer is not None else "none"


def output_path(relative: Path, out_dir: Path, colorize: bool = True) -> Path:
    """Where the result for the input at `relative` (to its input folder) goes:
    `<name>_colorized` or, restored only, `<name>_restored` (`.png` for photos, `.mp4` for films)."""
    from .video import is_video_path

    suffix = ".mp4" if is_video_path(relative) else ".png"
    return out_dir / relative.parent / f"{relative.stem}_{'colorized' if colorize else 'restored'}{suffix}"


def photo_result(job: Job, models: Models, src: Path | bytes | Image.Image) -> Image.Image:
    """One photo (a path, the file's bytes or a loaded picture) done as `job` says: restored, coloured, upscaled,
    given the reference's palette, then the hints' colours (a person's wish comes last).
    Raises what `Colorizer.colorize` raises for a bad picture."""
    options = job.options
    if not options["colorize"]:
        return models.restorer.restore(src, **job.photo_steps, upscale=options["upscale"])
    if models.remaster is None:  # colour alone, as it always was
        result = models.colorizer.colorize(src, job.render_factor, post_process=job.post_process)
    else:
        result = models.remaster(src, upscale=options["upscale"], render_factor=job.render_factor,
                                 **job.photo_steps)
    if options["reference"] is not None:
        result = with_alpha(transfer_palette(result, options["reference"]), result)
    if options["hints"] is not None:
        result = _with_hints(result, options["hints"], options["upscale"])
    return result


def _with_hints(result: Image.Image, hints: str, upscale: int) -> Image.Image:
    """Hints drawn on the input, spread over its (restored, `upscale` times larger) colour version
    along that version's own luminance: what `Colorizer.colorize(hints=)` does after colouring."""
    drawn = load_hints(hints, (result.width // upscale, result.height // upscale))
    scaled = Image.fromarray(drawn).resize(result.size, Image.NEAREST)
    return with_alpha(apply_hints(result, result, scaled), result)


def process_photo(job: Job, models: Models, src: Path | bytes, dst: Path) -> None:
    """Do one photo (see `photo_result`) into the PNG `dst`, written atomically.

    `dst` appears only when complete (a hidden temporary file beside it is renamed); it is never
    the input.
    """
    dst = Path(dst)
    if isinstance(src, (str, os.PathLike)) and dst.resolve() == Path(src).resolve():
        raise ValueError(f"refusing to overwrite the input {src}")
    image = photo_result(job, models, src)
    dst.parent.mkdir(parents=True, exist_ok=True)
    # a random suffix: two workers finishing the same file never write the same temporary file
    tmp = dst.with_name(f".{dst.name}.{secrets.token_hex(4)}.partial")
    try:
        image.save(tmp, format="PNG")
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


def process_video(job: Job, models: Models, src: Path, dst: Path,
                  progress: Progress | None = None) -> VideoResult:
    """Do one film into the MP4 `dst`: `restore_video` when only restoring, else `colorize_video`
    (restored first when the job says so); returns its `VideoResult`."""
    from .video import colorize_video, restore_video

    options = job.options
    if not options["colorize"]:
        return restore_video(src, dst, job.film_restoration, progress=progress, allow_truncated=job.allow_truncated)
    return colorize_video(src, dst, models.colorizer, job.render_factor, stabilization=job.stabilization,
                          keyframe_interval=job.keyframe_interval, restore=job.film_restoration,
                          progress=progress, allow_truncated=job.allow_truncated, hints=options["hints"],
                          hints_frame=options["hints_frame"])
