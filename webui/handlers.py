"""What the app does, one method per button: files and numbers in, pictures and files out.

No layout here. Each handler raises `gr.Error` in plain words (in the browser's language) for
anything a user can cause, so that one bad upload never disturbs anyone else's work.
"""
from __future__ import annotations

import contextlib
import math
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import gradio as gr
from PIL import Image

from nogan import Colorizer, ImageTooLargeError, InvalidImageError, NoganError, OutOfMemoryError, Restorer
from nogan.imaging import load_image
from nogan.video import RestoreOptions, VideoLimits, VideoResult, colorize_video, restore_video
from nogan.video.errors import InvalidVideoError, TruncatedVideoError, VideoCancelled, VideoTooLargeError

from .errors import user_error
from .gpu import factors_duration, on_gpu, photo_duration, photos_duration, video_duration
from .i18n import language_of, text
from .jobs import VideoJobs
from .models import Models
from .restoration import PhotoOptions, Restoration, damage_view, film_options, photo_options, process_photo

RENDER_FACTOR_RANGE = (7, 40)  # what DeOldify's Colab offers: the sliders' range and the handlers' check
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


class Studio:
    """The handlers, sharing the models, the limits and a folder for results.

    Each handler checks its inputs and loads its model, then hands the model work to a function
    that runs on a lent GPU under ZeroGPU (see `webui.gpu`); its arguments are plain values.
    """

    def __init__(self, models: Models, workdir: Path, video_limits: VideoLimits, max_photos: int = 24,
                 restoration: Restoration | None = None):
        self.models = models
        self.restoration = restoration or Restoration()
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.video_limits = video_limits
        self.max_photos = max_photos
        self.jobs = VideoJobs()
        self._photo_on_gpu = on_gpu(self._colour_photo, photo_duration)
        self._photos_on_gpu = on_gpu(self._colour_photos, photos_duration)
        self._factors_on_gpu = on_gpu(self._colour_factors, factors_duration)
        self._video_on_gpu = on_gpu(self._colour_video, video_duration)

    # --- photos -------------------------------------------------------------------------------
    def colorize_photo(self, photo: str | None, model: str, render_factor: float, colorize: bool = True,
                       repair: bool = False, grain: bool = False, contrast: bool = False, upscale: int = 1,
                       request: gr.Request | None = None, progress: gr.Progress = gr.Progress()
                       ) -> tuple[tuple[Image.Image, Image.Image], str, Image.Image | None]:
        """Colour and/or restore one photo: a before/after pair of previews (the original, at the
        result's size, against the result), the full-resolution PNG, and the damage found (the
        photo with it painted red; None unless `repair`). The options' defaults colour only."""
        lang = language(request)
        if not photo:
            raise user_error(text("err_no_photo", lang))
        factor = self.render_factor(render_factor, lang)
        options = photo_options(colorize, repair, grain, contrast, upscale, lang)
        self._load(model, options, lang, progress)  # downloads and loads before the GPU is asked for
        before, after, result, damage = self._photo_on_gpu(photo, model, factor, options, lang, progress)
        with self.result_folder() as folder:
            path = folder / f"{Path(photo).stem}{options.suffix}.png"
            result.save(path)
        return (before, after), str(path), damage

    def colorize_photos(self, photos: Sequence[str] | None, model: str, render_factor: float, colorize: bool = True,
                        repair: bool = False, grain: bool = False, contrast: bool = False, upscale: int = 1,
                        request: gr.Request | None = None,
                        progress: gr.Progress = gr.Progress()) -> tuple[Gallery, str]:
        """Colour and/or restore several photos (options as for `colorize_photo`): a gallery of
        previews, and a zip of the full-resolution PNGs. Files that cannot be done are skipped with
        a warning, so one bad file does not spoil the rest."""
        lang = language(request)
        if not photos:
            raise user_error(text("err_no_photos", lang))
        if len(photos) > self.max_photos:
            raise user_error(text("err_too_many", lang, count=self.max_photos))
        factor = self.render_factor(render_factor, lang)
        options = photo_options(colorize, repair, grain, contrast, upscale, lang)
        self._load(model, options, lang, progress)
        results = self._photos_on_gpu(list(photos), model, factor, options, lang, progress)
        gallery, saved, skipped = [], [], []
        with self.result_folder() as folder:
            for photo, (result, reason) in zip(photos, results):
                if result is None:
                    skipped.append((Path(photo).name, reason))
                    continue
                path = _unique(folder / f"{Path(photo).stem}{options.suffix}.png")
                result.save(path)
                gallery.append((preview(result), path.name))
                saved.append(path)
            if not saved:
                raise gr.Error(skipped[-1][1], print_exception=False)  # logged as each file failed
            archive = folder / f"{options.suffix.lstrip('_')}.zip"
            with zipfile.ZipFile(archive, "w") as zf:  # PNGs are compressed already: store them as they are
                for path in saved:
                    zf.write(path, path.name)
        for name, reason in skipped:
            gr.Warning(text("skipped_file", lang, name=name, reason=reason))
        return gallery, str(archive)

    def compare_render_factors(self, photo: str | None, model: str, factors: Sequence[float],
                               request: gr.Request | None = None,
                               progress: gr.Progress = gr.Progress()) -> tuple[Gallery, list[int]]:
        """Colour one photo at several render factors: captioned previews, and the factors in order."""
        lang = language(request)
        if not photo:
            raise user_error(text("err_no_photo", lang))
        if not factors:
            raise user_error(text("err_no_factors", lang))
        ordered = sorted({self.render_factor(f, lang) for f in factors})
        self.models.get(model, lang, progress)
        return self._factors_on_gpu(photo, model, ordered, lang, progress), ordered

    @staticmethod
    def pick_render_factor(factors: list[int], event: gr.SelectData) -> int:
        """Clicking a compared result sets the render factor slider to its factor."""
        return factors[event.index]

    # --- video --------------------------------------------------------------------------------
    def colorize_video(self, video: str | None, model: str, render_factor: float, stabilization: float,
                       every_frame: bool = False, allow_truncated: bool = False, colorize: bool = True,
                       dust: bool = False, flicker: bool = False, grain: bool = False,
                       request: gr.Request | None = None, progress: gr.Progress = gr.Progress()) -> tuple[str, str]:
        """Colour and/or restore a video, keeping its sound: the MP4 for the player and for the download.

        `every_frame` sends every frame through the model; otherwise the library's default (on a
        CPU, every other frame, the others borrowing its colour along the motion).
        `allow_truncated` does what can be read of a file that ends early, and says so.
        `dust` (dust, dirt and line scratches), `flicker` and `grain` restore the film first;
        without `colorize` the film is only restored (no model, no GPU).
        """
        lang = language(request)
        if not video:
            raise user_error(text("err_no_video", lang))
        factor = self.render_factor(render_factor, lang)
        restore = film_options(colorize, dust, flicker, grain, lang)
        if colorize:
            self.models.get(model, lang, progress)
        progress(0.0, desc=text("reading_video", lang))
        session = request.session_hash if request else ""
        with self.result_folder() as folder:
            path = folder / f"{Path(video).stem}{'_colorized' if colorize else '_restored'}.mp4"
            if colorize:
                result = self._video_on_gpu(video, model, str(path), factor, float(stabilization), bool(every_frame),
                                            bool(allow_truncated), restore, lang, session, progress)
            else:
                result = self._restore_video(video, str(path), restore, bool(allow_truncated), lang, session,
                                             progress)
        if result.frames_declared is not None:
            gr.Warning(text("truncated_note", lang, frames=result.frames, declared=result.frames_declared))
        return str(path), str(path)

    def cancel_video(self, request: gr.Request | None = None) -> None:
        if request is not None and self.jobs.cancel(request.session_hash):
            gr.Info(text("video_cancelled", language(request)))

    def video_limits_text(self, request: gr.Request | None = None) -> str:
        return text("video_limits", language(request), **video_limit_values(self.video_limits))

    # --- the model work, on a lent GPU under ZeroGPU --------------------------------------------
    def _colour_photo(self, photo: str, model: str, factor: int, options: PhotoOptions, lang: str,
                      progress: gr.Progress) -> tuple[Image.Image, Image.Image, Image.Image, Image.Image | None]:
        """(the original and the result as previews of one size, the result at full resolution,
        the damage view or None)"""
        colorizer, restorer = self._load(model, options, lang, progress)
        max_pixels = (restorer or colorizer).max_pixels
        progress(0.5, desc=text("colorizing" if options.colorize else "restoring", lang))
        with self.plain_errors(lang, max_pixels):
            original = load_image(photo, max_pixels)
            result = process_photo(original, options, colorizer, restorer, factor, lang)
            damage = damage_view(preview(original), restorer.damage_mask(original)) if options.repair else None
        after = preview(result)
        before = original if original.size == after.size else original.resize(after.size, Image.LANCZOS)
        return before, after, result, damage

    def _colour_photos(self, photos: list[str], model: str, factor: int, options: PhotoOptions, lang: str,
                       progress: gr.Progress) -> list[tuple[Image.Image | None, str | None]]:
        """(result, None) or (None, why it could not be done) for each photo."""
        colorizer, restorer = self._load(model, options, lang, progress)
        max_pixels = (restorer or colorizer).max_pixels
        results = []
        for done, photo in enumerate(photos):
            progress(done / len(photos), desc=text("photo_n_of", lang, done=done + 1, total=len(photos)))
            try:
                with self.plain_errors(lang, max_pixels):
                    original = load_image(photo, max_pixels)
                    results.append((process_photo(original, options, colorizer, restorer, factor, lang), None))
            except gr.Error as e:
                results.append((None, e.message))
        return results

    def _load(self, model: str, options: PhotoOptions, lang: str,
              progress: gr.Progress) -> tuple[Colorizer | None, Restorer | None]:
        """The colorizer and the restorer `options` need (None for one not needed), loaded."""
        colorizer = self.models.get(model, lang, progress) if options.colorize else None
        restorer = self.restoration.get(options, lang, progress) if options.restores else None
        return colorizer, restorer

    def _colour_factors(self, photo: str, model: str, factors: list[int], lang: str,
                        progress: gr.Progress) -> Gallery:
        colorizer = self.models.get(model, lang, progress)
        gallery = []
        with self.plain_errors(lang, colorizer.max_pixels):
            original = preview(load_image(photo, colorizer.max_pixels))  # the comparison is on screen only
            for done, factor in enumerate(factors):
                caption = text("caption_factor", lang, factor=factor)
                progress(done / len(factors), desc=caption)
                gallery.append((colorizer.colorize(original, factor), caption))
        return gallery

    def _colour_video(self, video: str, model: str, dst: str, factor: int, stabilization: float, every_frame: bool,
                      allow_truncated: bool, restore: RestoreOptions | None, lang: str, session: str,
                      progress: gr.Progress) -> VideoResult:
        colorizer = self.models.get(model, lang, progress)
        with self.jobs.track(session) as cancel, self.plain_errors(lang, colorizer.max_pixels):
            return colorize_video(video, dst, colorizer, factor, stabilization=stabilization,
                                  keyframe_interval=1 if every_frame else None, restore=restore or False,
                                  limits=self.video_limits, progress=_frame_progress(progress, "colorizing", lang),
                                  cancel=cancel, allow_truncated=allow_truncated)

    def _restore_video(self, video: str, dst: str, restore: RestoreOptions, allow_truncated: bool, lang: str,
                       session: str, progress: gr.Progress) -> VideoResult:
        """Film restoration alone: OpenCV on the CPU, no model, so no GPU is asked for."""
        with self.jobs.track(session) as cancel, self.plain_errors(lang, self.restoration.restorer.max_pixels):
            return restore_video(video, dst, restore, limits=self.video_limits,
                                 progress=_frame_progress(progress, "restoring", lang), cancel=cancel,
                                 allow_truncated=allow_truncated)

    # --- shared -------------------------------------------------------------------------------
    def model_status(self, model: str, request: gr.Request | None = None) -> str:
        return self.models.status(model, language(request))

    def recommended_render_factor(self, model: str, kind: str, otherwise: object = None) -> object:
        """The render factor `model` is made for, for `kind` ('photo' or 'video'); `otherwise` when
        that is not known before loading it (for the slider: gr.skip(), left as it is)."""
        info = self.models.recommended(model)
        if info is None:
            return gr.skip() if otherwise is None else otherwise
        return info.photo_render_factor if kind == "photo" else info.video_render_factor

    @staticmethod
    def render_factor(value: object, lang: str) -> int:
        """The sliders' whole number in RENDER_FACTOR_RANGE; API callers may send anything."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        low, high = RENDER_FACTOR_RANGE
        if not (number.is_integer() and low <= number <= high):
            raise user_error(text("err_render_factor", lang, low=low, high=high))
        return int(number)

    @contextlib.contextmanager
    def plain_errors(self, lang: str, max_pixels: int) -> Iterator[None]:
        """The library's errors, reworded for people; those a user cannot cause keep their traceback."""
        try:
            yield
        except NoganError as e:
            message = self._explain(e, lang, max_pixels)
            if message is None:
                raise gr.Error(text("err_other", lang, detail=e)) from e
            raise user_error(message) from e

    def _explain(self, error: NoganError, lang: str, max_pixels: int) -> str | None:
        if isinstance(error, InvalidImageError):
            return text("err_not_image", lang)
        if isinstance(error, ImageTooLargeError):
            return text("err_image_too_large", lang, megapixels=max_pixels // 1_000_000)
        if isinstance(error, TruncatedVideoError):
            return text("err_truncated", lang, frames=error.frames, declared=error.declared)
        if isinstance(error, InvalidVideoError):
            return text("err_not_video", lang)
        if isinstance(error, VideoTooLargeError):
            return text("err_video_too_large", lang, **video_limit_values(self.video_limits))
        if isinstance(error, VideoCancelled):
            return text("video_cancelled", lang)
        if isinstance(error, OutOfMemoryError):
            return text("err_out_of_memory", lang)
        return None  # ffmpeg failing, weights that do not fit: faults of the app, not the user

    @contextlib.contextmanager
    def result_folder(self) -> Iterator[Path]:
        """A fresh folder for one request's results, removed again if the request fails; folders past
        their time are removed first."""
        expired = time.time() - RESULT_TTL_S
        for folder in self.workdir.iterdir():
            with contextlib.suppress(FileNotFoundError):  # another request may be removing it too
                if folder.stat().st_mtime < expired:
                    shutil.rmtree(folder, ignore_errors=True)
        folder = Path(tempfile.mkdtemp(dir=self.workdir))
        try:
            yield folder
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise


def _frame_progress(progress: gr.Progress, doing: str, lang: str) -> Callable[[int, int | None, float | None], None]:
    """The library's progress callback, shown as frames done and the time left (`doing` until known)."""
    def report(done: int, total: int | None, eta_seconds: float | None) -> None:
        left = text(doing, lang) if eta_seconds is None else text("time_left", lang, eta=_duration(eta_seconds, lang))
        progress((done, total), desc=left, unit=text("frames", lang))
    return report


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
