"""Colour hints in the app: "this coat was red".

After a photo is coloured, the result appears in an image editor. The person paints a few strokes
with the colours the model got wrong and presses "Apply colours": each colour spreads over the
region it belongs to, following the edges, and the rest keeps the model's colours
(`nogan.hints.apply_hints`). A colour reference photo can lend its palette as well
(`nogan.palette.transfer_palette`). The model does not run again, so this takes about a second
and no GPU.

The named endpoint `/apply_colours` does the same for API callers, and colours the photo with the
model first when no coloured result is given.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import gradio as gr
from gradio import FileData
from gradio.events import Dependency
from PIL import Image, UnidentifiedImageError

from nogan.hints import apply_hints
from nogan.imaging import DEFAULT_MAX_PIXELS, load_image, with_alpha
from nogan.palette import transfer_palette

from .errors import user_error
from .gpu import PHOTO_SECONDS, on_gpu
from .handlers import Studio, language, preview
from .i18n import I18N, text

# The colours old photos most often get wrong. The hint's lightness is ignored (the photo keeps its
# own), so one red serves a dark coat and a light one; grey takes colour away.
BRUSH_COLOURS = ["#b83227", "#e0a98a", "#2f6fb5", "#3e8e41", "#e8c547", "#7a5230", "#808080"]
PRIVATE = {"api_visibility": "private", "queue": False}


class Coloured(NamedTuple):
    """A coloured result kept for the session: the file name of its download and the full-size picture."""
    name: str
    image: Image.Image


def editor_hints(value: dict | None, size: tuple[int, int]) -> Image.Image | None:
    """The strokes painted in the editor as an RGBA hints picture of `size`, or None if nothing is painted.

    The editor holds a preview: its layers are scaled to the full-size result, without blending the
    colours (NEAREST), so that each painted pixel keeps the colour it was painted.
    """
    layers = (value or {}).get("layers") or []
    if not layers:
        return None
    canvas = Image.new("RGBA", layers[0].size, (0, 0, 0, 0))
    for layer in layers:
        canvas.alpha_composite(layer.convert("RGBA").resize(canvas.size, Image.NEAREST))
    if not canvas.getchannel("A").getbbox():  # all transparent
        return None
    return canvas if canvas.size == size else canvas.resize(size, Image.NEAREST)


class ColourHints:
    """The handlers: from the editor (the app's buttons) and from files (the API endpoint)."""

    def __init__(self, studio: Studio, default_model: str):
        self.studio = studio
        self.default_model = default_model
        self._colour_on_gpu = on_gpu(self._colour, PHOTO_SECONDS)

    # --- the app --------------------------------------------------------------------------------
    @staticmethod
    def edit(download: str | None) -> tuple[dict | None, Coloured | None]:
        """After colouring: a preview of the result goes into the editor, the full-size result is kept."""
        if not download:
            return None, None
        with Image.open(download) as image:
            image.load()
        coloured = Coloured(Path(download).name, image)
        return ColourHints.unpainted(coloured), coloured

    @staticmethod
    def unpainted(coloured: Coloured | None) -> dict | None:
        """The editor with the result and no strokes: after colouring, and when "Clear canvas" has
        removed the picture along with the strokes (there is no upload to bring it back)."""
        return None if coloured is None else {"background": preview(coloured.image), "layers": [], "composite": None}

    @staticmethod
    def forget() -> tuple[None, None]:
        """A new photo: the editor and the kept result belonged to the last one."""
        return None, None

    def apply(self, coloured: Coloured | None, editor: dict | None, reference: str | None, strength: float,
              before_after: tuple[Image.Image, Image.Image] | None,
              request: gr.Request | None = None) -> tuple[tuple[Image.Image | None, Image.Image], str]:
        """The painted colours (and the reference's palette) on the kept result: the before/after
        previews with the new result, and its full-resolution PNG."""
        lang = language(request)
        if coloured is None:
            raise user_error(text("hints_err_colour_first", lang))
        hints = editor_hints(editor, coloured.image.size)
        if hints is None and not reference:
            raise user_error(text("hints_err_nothing", lang))
        result = self._recolour(coloured.image, hints, reference, _strength(strength, lang), lang)
        path = self._save(result, coloured.name)
        before = before_after[0] if before_after else None
        return (before, preview(result)), path

    # --- the API --------------------------------------------------------------------------------
    def apply_colours(self, photo: FileData, hints: FileData | None = None, colored: FileData | None = None,
                      reference: FileData | None = None, strength: float = 1.0, model: str | None = None,
                      render_factor: float | None = None, request: gr.Request | None = None) -> FileData:
        """Colours by hand on a photo: the full-resolution PNG.

        photo: the black-and-white photo.
        hints: a PNG with transparency, of the size of the picture it colours: opaque pixels give wanted
            colours, which spread over their regions; transparent pixels say nothing.
        colored: a coloured result of `photo` from this app (from /colorize_photo, restored or enlarged
            as it may be) to change; without it, the model colours `photo` first, and the hints are of
            `photo`'s size.
        reference: a colour photo whose palette the result takes, by `strength` (0 to 1).
        model, render_factor: for colouring `photo` when `colored` is not given; by default the app's
            photo model and that model's own render factor.
        """
        lang = language(request)
        photo_path = _path(photo, lang)
        if photo_path is None:
            raise user_error(text("err_no_photo", lang))
        hints_path, colored_path, reference_path = (_path(f, lang) for f in (hints, colored, reference))
        if hints_path is None and reference_path is None:
            raise user_error(text("hints_err_nothing", lang))
        strength = _strength(strength, lang)
        if colored_path is not None:
            with self.studio.plain_errors(lang, DEFAULT_MAX_PIXELS):
                image = load_image(colored_path)
            hint_image = None if hints_path is None else _read_hints(hints_path, image.size, lang)
        else:
            factor = None if render_factor is None else self.studio.render_factor(render_factor, lang)
            model = model or self.default_model
            names = [name for _, name in self.studio.models.choices()]
            if model not in names:
                raise user_error(text("hints_err_model", lang, model=model, names=", ".join(names)))
            colorizer = self.studio.models.get(model, lang, _no_progress)  # loaded before the GPU is asked for
            with self.studio.plain_errors(lang, colorizer.max_pixels):
                original = load_image(photo_path, colorizer.max_pixels)
            hint_image = None if hints_path is None else _read_hints(hints_path, original.size, lang)
            image = self._colour_on_gpu(original, model, factor, lang)
        result = self._recolour(image, hint_image, reference_path, strength, lang)
        return FileData(path=self._save(result, f"{Path(photo.get('orig_name') or photo_path).stem}_colorized.png"))

    def _colour(self, original: Image.Image, model: str, factor: int | None, lang: str) -> Image.Image:
        """The model's colours, on a lent GPU under ZeroGPU; hints and palette are applied afterwards,
        without it."""
        colorizer = self.studio.models.get(model, lang, _no_progress)
        with self.studio.plain_errors(lang, colorizer.max_pixels):
            return colorizer.colorize(original, factor)

    # --- shared ---------------------------------------------------------------------------------
    def _recolour(self, coloured: Image.Image, hints: Image.Image | None, reference: str | None, strength: float,
                  lang: str) -> Image.Image:
        """`coloured` with the reference's palette, then the hints on top: the person's colours win.
        The hints follow `coloured`'s own luminance, which is the photo's after any restoration."""
        result = coloured
        if reference:
            with self.studio.plain_errors(lang, DEFAULT_MAX_PIXELS):
                palette = load_image(reference)
            result = transfer_palette(coloured, palette, strength)
        if hints is not None:
            result = apply_hints(coloured, result, hints)
        return with_alpha(result.convert("RGB"), coloured)

    def _save(self, image: Image.Image, name: str) -> str:
        with self.studio.result_folder() as folder:
            path = folder / name
            image.save(path)
        return str(path)


def _no_progress(*args: object, **kwargs: object) -> None:
    """Model loading reports progress; the API endpoint shows none."""


def _path(file: object, lang: str) -> str | None:
    """The server-side path of an uploaded file. Only files sent as files count: Gradio has checked
    that their paths are uploads, which a bare string naming a server path is not."""
    if file is None:
        return None
    if isinstance(file, dict) and isinstance(file.get("path"), str):
        return file["path"]
    raise user_error(text("hints_err_not_file", lang))


def _strength(value: object, lang: str) -> float:
    try:
        strength = float(value)
    except (TypeError, ValueError):
        strength = math.nan
    if not 0.0 <= strength <= 1.0:
        raise user_error(text("hints_err_strength", lang))
    return strength


def _read_hints(path: str, size: tuple[int, int], lang: str) -> Image.Image:
    """The hints picture at `path` as RGBA, checked for transparency and for `size` in the user's words."""
    try:
        with Image.open(path) as image:
            transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            hints = image.convert("RGBA")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        raise user_error(text("hints_err_unreadable", lang)) from None
    if not transparent:
        raise user_error(text("hints_err_opaque", lang))
    if hints.size != size:
        raise user_error(text("hints_err_size", lang, hints=_size(hints.size), picture=_size(size)))
    return hints


def _size(size: tuple[int, int]) -> str:
    return f"{size[0]}×{size[1]}"


class ColourHintsPanel(NamedTuple):
    """What `colour_hints_panel` built: `follow` the app's colouring event to fill the editor."""
    hints: ColourHints
    download: gr.File
    editor: gr.ImageEditor
    coloured: gr.State

    def follow(self, colouring: Dependency) -> None:
        colouring.success(self.hints.edit, self.download, [self.editor, self.coloured], **PRIVATE)


def colour_hints_panel(studio: Studio, photo: gr.Image, model: gr.Dropdown, before_after: gr.ImageSlider,
                       download: gr.File, concurrency: int = 1) -> ColourHintsPanel:
    """Build the "Fix colours by hand" panel where it is called (inside the photo tab), wire its button
    to `before_after` and `download`, and register the `/apply_colours` endpoint."""
    hints = ColourHints(studio, model.value)
    with gr.Accordion(I18N("hints_title"), open=True, elem_id="colour-hints"):
        gr.Markdown(I18N("hints_intro"))
        with gr.Row():
            editor = gr.ImageEditor(type="pil", image_mode="RGBA", sources=(), transforms=(), layers=False,
                                    brush=gr.Brush(colors=BRUSH_COLOURS, color_mode="defaults"), eraser=gr.Eraser(),
                                    format="png", label=I18N("hints_editor"), buttons=["fullscreen"],
                                    elem_id="hints-editor", scale=2)
            with gr.Column(scale=1):
                reference = gr.Image(type="filepath", sources=["upload", "clipboard"], label=I18N("hints_reference"),
                                     elem_id="hints-reference")
                strength = gr.Slider(0, 1, value=1, step=0.05, label=I18N("hints_strength"),
                                     info=I18N("hints_strength_info"))
                apply_button = gr.Button(I18N("hints_apply"), variant="primary", elem_id="hints-apply")
    coloured = gr.State(None)

    # about a second, so no progress; and a mistake's "Error" badge must not cover the result (a toast says it)
    apply_button.click(hints.apply, [coloured, editor, reference, strength, before_after], [before_after, download],
                       api_visibility="private", show_progress="hidden")
    photo.change(hints.forget, None, [editor, coloured], **PRIVATE)
    editor.clear(hints.unpainted, coloured, editor, **PRIVATE)
    gr.api(hints.apply_colours, api_name="apply_colours", concurrency_id="device", concurrency_limit=concurrency)
    return ColourHintsPanel(hints, download, editor, coloured)
