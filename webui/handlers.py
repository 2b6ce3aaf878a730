"""What the app does, one method per button: files and numbers in, pictures and files out.

No layout here. Each handler raises `gr.Error` in plain words (in the browser's language) for
anything a user can cause, so that one bad upload never disturbs anyone else's work.
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import gradio as gr
from PIL import Image

from nogan import (ImageTooLargeError, InvalidImageError, NoganError, OutOfMemoryError,
                   validate_render_factor)
from nogan.colorizer import MAX_RENDER_FACTOR
from nogan.imaging import load_image
from nogan.video import VideoLimits, colorize_video
from nogan.video.errors import FFmpegError, InvalidVideoError, VideoCancelled, VideoTooLargeError

from .i18n import language_of, text
from .models import Models

PREVIEW_SIDE = 1600  # on-screen previews; downloads keep the full resolution
RESULT_TTL_S = 3600  # results stay downloadable for an hour, then their folder is removed
Gallery = list[tuple[Image.Image, str]]


def language(request: gr.Request | None) -> str:
    return language_of(request.headers.get("accept-language") if request else None)


def video_limit_values(limits: VideoLimits) -> dict[str, int]:
    """The limits as the numbers the UI states (seconds, MB, and a 16:9 frame of the pixel bound)."""
    width = round((limits.max_pixels * 16 / 9) ** 0.5)
    return {"seconds": round(limits.max_duration_s), "megabytes": round(limits.max_file_bytes / 2**20),
            "width": width, "height": round(width * 9 / 16)}


def preview(image: Image.Image) -> Image.Image:
    small = image.copy()
    small.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    return small


class VideoJobs:
    """One cancel flag per browser session: the Cancel button stops that session's video only."""

    def __init__(self) -> None:
        self._flags: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def track(self, session: str) -> Iterator[threading.Event]:
        flag = threading.Event()
        with self._lock:
            self._flags[session] = flag
        try:
            yield flag
        finally:
            with self._lock:
                if self._flags.get(session) is flag:
                    del self._flags[session]

    def cancel(self, session: str) -> bool:
        with self._lock:
            flag = self._flags.get(session)
        if flag is not None:
            flag.set()
        return flag is not None


class Studio:
    """The handlers, sharing the models, the limits and a folder for results."""

    def __init__(self, models: Models, workdir: Path, video_limits: VideoLimits, max_photos: int = 24):
        self.models = models
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.video_limits = video_limits
        self.max_photos = max_photos
        self.jobs = VideoJobs()

    # --- photos -------------------------------------------------------------------------------
    def colorize_photo(self, photo: str | None, model: str, render_factor: float,
                       request: gr.Request | None = None,
                       progress: gr.Progress = gr.Progress()) -> tuple[tuple[Image.Image, Image.Image], str]:
        """Colour one photo: a before/after pair of previews, and the full-resolution PNG."""
        lang = language(request)
        if not photo:
            raise gr.Error(text("err_no_photo", lang))
        factor = self._render_factor(render_factor, lang)
        colorizer = self.models.get(model, lang, progress)
        progress(0.5, desc=text("colorizing", lang))
        with self._plain_errors(lang, colorizer.max_pixels):
            original = load_image(photo, colorizer.max_pixels)
            colored = colorizer.colorize(original, factor)
        path = self._new_folder() / f"{Path(photo).stem}_colorized.png"
        colored.save(path)
        return (preview(original), preview(colored)), str(path)

    def colorize_photos(self, photos: Sequence[str] | None, model: str, render_factor: float,
                        request: gr.Request | None = None,
                        progress: gr.Progress = gr.Progress()) -> tuple[Gallery, str]:
        """Colour several photos: a gallery of previews, and a zip of the full-resolution PNGs.
        Unreadable files are skipped with a warning, so one bad file does not spoil the rest."""
        lang = language(request)
        if not photos:
            raise gr.Error(text("err_no_photos", lang))
        if len(photos) > self.max_photos:
            raise gr.Error(text("err_too_many", lang, count=self.max_photos))
        factor = self._render_factor(render_factor, lang)
        colorizer = self.models.get(model, lang, progress)
        folder, gallery, saved, skipped = self._new_folder(), [], [], []
        for done, photo in enumerate(photos):
            progress(done / len(photos), desc=text("photo_n_of", lang, done=done + 1, total=len(photos)))
            try:
                with self._plain_errors(lang, colorizer.max_pixels):
                    colored = colorizer.colorize(photo, factor)
            except gr.Error as e:
                skipped.append((Path(photo).name, e))
                continue
            path = _unique(folder / f"{Path(photo).stem}_colorized.png")
            colored.save(path)
            gallery.append((preview(colored), path.name))
            saved.append(path)
        if not saved:
            raise skipped[-1][1]
        for name, error in skipped:
            gr.Warning(text("skipped_file", lang, name=name, reason=error.message))
        archive = folder / "colorized.zip"
        with zipfile.ZipFile(archive, "w") as zf:  # PNGs are compressed already: store them as they are
            for path in saved:
                zf.write(path, path.name)
        return gallery, str(archive)

    def compare_render_factors(self, photo: str | None, model: str, factors: Sequence[float],
                               request: gr.Request | None = None,
                               progress: gr.Progress = gr.Progress()) -> tuple[Gallery, list[int]]:
        """Colour one photo at several render factors: captioned previews, and the factors in order."""
        lang = language(request)
        if not photo:
            raise gr.Error(text("err_no_photo", lang))
        if not factors:
            raise gr.Error(text("err_no_factors", lang))
        ordered = sorted({self._render_factor(f, lang) for f in factors})
        colorizer = self.models.get(model, lang, progress)
        gallery = []
        with self._plain_errors(lang, colorizer.max_pixels):
            original = preview(load_image(photo, colorizer.max_pixels))  # the comparison is on screen only
            for done, factor in enumerate(ordered):
                progress(done / len(ordered), desc=text("caption_factor", lang, factor=factor))
                gallery.append((colorizer.colorize(original, factor), text("caption_factor", lang, factor=factor)))
        return gallery, ordered

    @staticmethod
    def pick_render_factor(factors: list[int], event: gr.SelectData) -> int:
        """Clicking a compared result sets the render factor slider to its factor."""
        return factors[event.index]

    # --- video --------------------------------------------------------------------------------
    def colorize_video(self, video: str | None, model: str, render_factor: float, stabilization: float,
                       every_frame: bool = False, request: gr.Request | None = None,
                       progress: gr.Progress = gr.Progress()) -> tuple[str, str]:
        """Colour a video, keeping its sound: the MP4 for the player and for the download.

        `every_frame` sends every frame through the model; otherwise the library's default (on a
        CPU, every other frame, the others borrowing its colour along the motion).
        """
        lang = language(request)
        if not video:
            raise gr.Error(text("err_no_video", lang))
        factor = self._render_factor(render_factor, lang)
        colorizer = self.models.get(model, lang, progress)
        progress(0.0, desc=text("reading_video", lang))

        def report(done: int, total: int | None, eta_seconds: float | None) -> None:
            left = text("colorizing", lang) if eta_seconds is None else \
                text("time_left", lang, eta=_duration(eta_seconds, lang))
            progress((done, total), desc=left, unit=text("frames", lang))

        path = self._new_folder() / f"{Path(video).stem}_colorized.mp4"
        session = request.session_hash if request else ""
        with self.jobs.track(session) as cancel, self._plain_errors(lang, colorizer.max_pixels):
            colorize_video(video, path, colorizer, factor, stabilization=float(stabilization),
                           keyframe_interval=1 if every_frame else None, limits=self.video_limits,
                           progress=report, cancel=cancel)
        return str(path), str(path)

    def cancel_video(self, request: gr.Request | None = None) -> None:
        if request is not None and self.jobs.cancel(request.session_hash):
            gr.Info(text("video_cancelled", language(request)))

    def video_limits_text(self, request: gr.Request | None = None) -> str:
        return text("video_limits", language(request), **video_limit_values(self.video_limits))

    # --- shared -------------------------------------------------------------------------------
    def model_status(self, model: str, request: gr.Request | None = None) -> str:
        return self.models.status(model, language(request))

    @staticmethod
    def _render_factor(value: float, lang: str) -> int:
        try:
            if int(value) != value:
                raise ValueError(value)
            return validate_render_factor(int(value))
        except (TypeError, ValueError):
            raise gr.Error(text("err_render_factor", lang, low=1, high=MAX_RENDER_FACTOR)) from None

    @contextlib.contextmanager
    def _plain_errors(self, lang: str, max_pixels: int) -> Iterator[None]:
        """The library's errors, reworded for people; anything else is a bug and stays a traceback."""
        try:
            yield
        except NoganError as e:
            raise gr.Error(self._explain(e, lang, max_pixels)) from e

    def _explain(self, error: NoganError, lang: str, max_pixels: int) -> str:
        if isinstance(error, InvalidImageError):
            return text("err_not_image", lang)
        if isinstance(error, ImageTooLargeError):
            return text("err_image_too_large", lang, megapixels=max_pixels // 1_000_000)
        if isinstance(error, InvalidVideoError):
            return text("err_not_video", lang)
        if isinstance(error, VideoTooLargeError):
            return text("err_video_too_large", lang, **video_limit_values(self.video_limits))
        if isinstance(error, FFmpegError):
            return text("err_video_failed", lang)
        if isinstance(error, VideoCancelled):
            return text("video_cancelled", lang)
        if isinstance(error, OutOfMemoryError):
            return text("err_out_of_memory", lang)
        return text("err_other", lang, detail=error)

    def _new_folder(self) -> Path:
        """A fresh folder for one request's results; folders past their time are removed first."""
        expired = time.time() - RESULT_TTL_S
        for folder in self.workdir.iterdir():
            with contextlib.suppress(FileNotFoundError):  # another request may be removing it too
                if folder.stat().st_mtime < expired:
                    shutil.rmtree(folder, ignore_errors=True)
        return Path(tempfile.mkdtemp(dir=self.workdir))


def _duration(seconds: float, lang: str) -> str:
    minutes, secs = divmod(max(0, round(seconds)), 60)
    return text("minutes", lang, m=minutes, s=secs) if minutes else text("seconds", lang, s=secs)


def _unique(path: Path) -> Path:
    """`path`, or `name_2.png`, `name_3.png`... when two uploads share a name."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_stem(f"{path.stem}_{n}")
    return candidate
