"""One colouring job: every option the CLI takes, and the work done on each file.

The local CLI and the Ray backend (`nogan.cluster`) both call `process_photo` and `process_video`
with the same `Job`, so an option means the same wherever a file is coloured and the same input
gives the same output file.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .colorizer import Colorizer, load_colorizer, validate_render_factor
from .device import PRECISIONS

if TYPE_CHECKING:
    from .video.pipeline import Progress, VideoResult

# Options of pipeline steps beyond colouring (restoration, upscaling): each step added to
# `process_photo` / `process_video` registers the keys it reads here; any other key is refused.
PIPELINE_OPTIONS: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Job:
    """What to do with every file. Cheap to pickle: it names the model, it never holds weights.

    model: a model name, local folder or `.pth`, or Hub repo id (as `Colorizer.from_pretrained`).
    render_factor: None uses the model's default (photos and videos have their own).
    device, precision: None picks the best available (on a GPU: CUDA in fp16).
    post_process: keep the source's luminance (see `Colorizer.colorize`).
    stabilization, keyframe_interval: videos only, as `colorize_video`.
    options: settings of further pipeline steps, by key (see `PIPELINE_OPTIONS`).
    """

    model: str = "artistic"
    render_factor: int | None = None
    device: str | None = None
    precision: str | None = None
    post_process: bool = True
    stabilization: float = 0.5
    keyframe_interval: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.render_factor is not None:
            validate_render_factor(self.render_factor)
        if self.precision is not None and self.precision not in PRECISIONS:
            raise ValueError(f"precision={self.precision!r} is not one of {', '.join(PRECISIONS)}")
        if not 0 <= self.stabilization <= 1:
            raise ValueError(f"stabilization={self.stabilization!r} must be from 0 (off) to 1")
        if self.keyframe_interval is not None and (isinstance(self.keyframe_interval, bool) or not
                                                   isinstance(self.keyframe_interval, int) or self.keyframe_interval < 1):
            raise ValueError(f"keyframe_interval={self.keyframe_interval!r} must be a positive integer")
        unknown = sorted(set(self.options) - PIPELINE_OPTIONS)
        if unknown:
            known = ", ".join(sorted(PIPELINE_OPTIONS)) or "none yet"
            raise ValueError(f"options {unknown} are not known (known: {known})")
        object.__setattr__(self, "model", str(self.model))
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    def to_dict(self) -> dict[str, Any]:
        """The job's fields as plain values; `Job(**job.to_dict())` is the same job."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return values | {"options": dict(self.options)}

    def __reduce__(self):  # MappingProxyType does not pickle; Ray ships jobs to its workers
        return _rebuild_job, (self.to_dict(),)

    def load_colorizer(self) -> tuple[Colorizer, str | None]:
        """The loaded colorizer, and a note when the bundled offline model stands in for `model`."""
        return load_colorizer(self.model, self.device, self.precision)


def _rebuild_job(values: dict[str, Any]) -> Job:
    return Job(**values)


def output_path(relative: Path, out_dir: Path) -> Path:
    """Where the coloured version of the input at `relative` (to its input folder) goes."""
    from .video import is_video_path

    is_video = is_video_path(relative)
    return out_dir / relative.parent / f"{relative.stem}_colorized{'.mp4' if is_video else '.png'}"


def process_photo(job: Job, colorizer: Colorizer, src: Path | bytes, dst: Path) -> None:
    """Colour one photo (a path or the file's bytes) into the PNG `dst`, written atomically.

    `dst` appears only when complete (a hidden temporary file beside it is renamed); it is never
    the input. Raises what `Colorizer.colorize` raises for a bad picture.
    """
    dst = Path(dst)
    if isinstance(src, (str, os.PathLike)) and Path(dst).resolve() == Path(src).resolve():
        raise ValueError(f"refusing to overwrite the input {src}")
    image = colorizer.colorize(src, job.render_factor, post_process=job.post_process)
    dst.parent.mkdir(parents=True, exist_ok=True)
    # a random suffix: two workers finishing the same file never write the same temporary file
    tmp = dst.with_name(f".{dst.name}.{secrets.token_hex(4)}.partial")
    try:
        image.save(tmp, format="PNG")
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


def process_video(job: Job, colorizer: Colorizer, src: Path, dst: Path,
                  progress: Progress | None = None) -> VideoResult:
    """Colour one video into the MP4 `dst` (see `colorize_video`); returns its `VideoResult`."""
    from .video import colorize_video

    return colorize_video(src, dst, colorizer, job.render_factor, stabilization=job.stabilization,
                          keyframe_interval=job.keyframe_interval, progress=progress)
