"""时光重塑 · Time Reshaped: the web app (and Hugging Face Space) over the `nogan` library.

    python app.py                    # http://127.0.0.1:7860; GRADIO_SERVER_NAME / GRADIO_SERVER_PORT apply
    python app.py --share            # a public link for presentations (or GRADIO_SHARE=True)
    NOGAN_MODELS=/models/mine python app.py --default-model /models/mine   # offer more models

Models load on first use, so the page is up at once. What the buttons do lives in `webui/`.
"""
from __future__ import annotations

import argparse
import base64
import functools
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr
import PIL.Image
from gradio.data_classes import ImageData
from starlette.middleware import Middleware

from nogan.video import VideoLimits
from webui.handlers import RENDER_FACTOR_RANGE, Studio
from webui.hints import colour_hints_panel
from webui.i18n import EN, I18N
from webui.models import Models
from webui.page import BrandedPage

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE / "examples"
LOGO = HERE / "assets" / "logo.svg"
TITLE = "时光重塑 · Time Reshaped"
PHOTO_RENDER_FACTOR, VIDEO_RENDER_FACTOR = 35, 21  # for a model that does not say its own
COMPARE_CHOICES, COMPARE_DEFAULT = [7, 14, 21, 28, 35, 40], [14, 21, 28, 35]
QUEUE_SIZE = 64  # waiting requests past this are turned away with "queue full" rather than piling up
# A demo's limits: a minute of Full HD is minutes of GPU time already.
VIDEO_LIMITS = VideoLimits(max_duration_s=60, max_pixels=1920 * 1080, max_file_bytes=200 * 2**20)
THEME = gr.themes.Soft(primary_hue="blue", secondary_hue="sky", neutral_hue="slate",
                       font=["Noto Sans", "PingFang SC", "Microsoft YaHei", "ui-sans-serif", "system-ui",
                             "sans-serif"])  # local fonts: the page must not wait on a font server
CSS = """
#header { align-items: center; gap: 1.5rem; }
#logo img { height: 150px; width: auto; }
#header h1 { color: #0b2d6b; margin-bottom: 0; }
#compare-results .grid-wrap { max-height: none; overflow: visible; }
#photo-upscale .wrap { flex-wrap: nowrap; }
"""


@dataclass(frozen=True)
class Settings:
    models: tuple[str, ...] = ()  # offered beside the library's own: folders, .pth files, Hub repo ids
    default_model: str | None = None  # for both tabs; otherwise Artistic for photos, Video for videos
    concurrency: int = 1  # model runs at once: one device, one queue
    workdir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "nogan-app")


def photo_input(**kwargs: object) -> gr.Image:
    """A `gr.Image` that hands an unreadable upload on to the handler, which says what is wrong in the
    user's language, instead of failing in its own preprocessing with a bare "Error"."""
    image = gr.Image(type="filepath", image_mode=None, sources=["upload", "clipboard"], **kwargs)
    preprocess = image.preprocess

    def tolerant(payload: ImageData | None) -> str | None:  # a subclass would make Gradio write a .pyi
        try:
            return preprocess(payload)
        except (OSError, PIL.Image.DecompressionBombError):  # PIL could not, or would not, open it
            return payload.path

    image.preprocess = tolerant
    return image


def render_factor_slider(**kwargs: object) -> gr.Slider:
    """A `gr.Slider` over RENDER_FACTOR_RANGE that hands any value on to the handler, which checks it
    and answers in the user's language: API callers can send "abc", None or 0, which Gradio's own
    check would turn into a bare "Error" or an English-only message."""
    slider = gr.Slider(*RENDER_FACTOR_RANGE, step=1, **kwargs)
    slider.preprocess = lambda payload: payload
    return slider


def upscale_radio(**kwargs: object) -> gr.Radio:
    """A `gr.Radio` of the upscale factors that hands any value on to the handler, which checks it in
    the user's language (as `render_factor_slider` does)."""
    radio = gr.Radio([("×1", 1), ("×2", 2), ("×4", 4)], value=1, **kwargs)
    radio.preprocess = lambda payload: payload
    return radio


def shown(image: PIL.Image.Image | None) -> gr.Image:
    """An output image shown when there is one, hidden otherwise."""
    return gr.Image(value=image, visible=image is not None)


def run_labels(colorize: bool) -> tuple[gr.Button, gr.Button]:
    """The photo buttons say what they will do: colour, or restore only."""
    return (gr.Button(I18N("colorize" if colorize else "restore")),
            gr.Button(I18N("colorize_all" if colorize else "restore_all")))


def build_demo(settings: Settings = Settings()) -> gr.Blocks:
    extra = [*settings.models, *([settings.default_model] if settings.default_model else [])]
    studio = Studio(Models(extra), settings.workdir, VIDEO_LIMITS)
    choices = studio.models.choices()
    photo_default, video_default = settings.default_model or "artistic", settings.default_model or "video"
    example_photos = [str(p) for p in sorted(EXAMPLES.glob("*.jpg"))]
    on_device = {"concurrency_id": "device", "concurrency_limit": settings.concurrency}
    private = {"api_visibility": "private", "queue": False}

    with gr.Blocks(title=TITLE, delete_cache=(1800, 3600)) as demo:
        with gr.Row(elem_id="header"):
            with gr.Column(scale=0, min_width=200):
                logo = base64.b64encode(LOGO.read_bytes()).decode()
                gr.HTML(f'<img src="data:image/svg+xml;base64,{logo}" alt="{TITLE}">', elem_id="logo")
            with gr.Column(scale=4):  # one translated string per component: the frontend swaps one each
                gr.Markdown("# " + I18N("title"))
                gr.Markdown("### " + I18N("subtitle"))
                gr.Markdown(I18N("intro"))

        with gr.Tab(I18N("tab_photo"), id="photo"):
            with gr.Row():
                photo_model = gr.Dropdown(choices, value=photo_default, label=I18N("model"), info=I18N("model_info"))
                photo_factor = render_factor_slider(value=studio.recommended_render_factor(photo_default, "photo",
                                                                                           PHOTO_RENDER_FACTOR),
                                                    label=I18N("render_factor"),
                                                    info=I18N("render_factor_info"), elem_id="photo-factor")
            with gr.Row(elem_id="photo-options"):  # for one photo and for several
                photo_colorize = gr.Checkbox(True, label=I18N("opt_colorize"), info=I18N("opt_colorize_info"),
                                             elem_id="photo-colorize")
                photo_repair = gr.Checkbox(False, label=I18N("opt_repair"), info=I18N("opt_repair_info"),
                                           elem_id="photo-repair")
                photo_grain = gr.Checkbox(False, label=I18N("opt_grain"), info=I18N("opt_grain_info"),
                                          elem_id="photo-grain")
                photo_contrast = gr.Checkbox(False, label=I18N("opt_contrast"), info=I18N("opt_contrast_info"),
                                             elem_id="photo-contrast")
                photo_upscale = upscale_radio(label=I18N("opt_upscale"), info=I18N("opt_upscale_info"),
                                              elem_id="photo-upscale")
            photo_options = [photo_colorize, photo_repair, photo_grain, photo_contrast, photo_upscale]
            photo_status = gr.Markdown()
            with gr.Tab(I18N("tab_one"), id="one"):
                with gr.Row():
                    with gr.Column():
                        photo = photo_input(label=I18N("photo_in"), elem_id="photo-input")
                        photo_button = gr.Button(I18N("colorize"), variant="primary")
                        gr.Examples([[p] for p in example_photos], photo, label=I18N("examples"))
                    with gr.Column():
                        before_after = gr.ImageSlider(label=I18N("before_after"), type="pil", elem_id="before-after",
                                                       buttons=["fullscreen"])  # downloads: full size, below
                        photo_file = gr.File(label=I18N("download_full"), elem_id="photo-download")
                        damage_view = gr.Image(label=I18N("damage_found"), type="pil", interactive=False,
                                               visible=False, buttons=["fullscreen"], elem_id="damage-view")
                        damage = gr.State()  # the API leaves it out: /colorize_photo keeps its two outputs
                hints = colour_hints_panel(studio, photo, photo_model, before_after, photo_file,
                                           concurrency=settings.concurrency)
            with gr.Tab(I18N("tab_batch"), id="batch"):
                with gr.Row():
                    with gr.Column():
                        batch = gr.File(file_count="multiple", file_types=["image"], label=I18N("photos_in"))
                        batch_button = gr.Button(I18N("colorize_all"), variant="primary")
                        gr.Examples([[example_photos]], batch, label=I18N("examples"))
                    with gr.Column():
                        batch_gallery = gr.Gallery(label=I18N("results"), columns=3, object_fit="contain",
                                                   height="auto")
                        batch_zip = gr.File(label=I18N("download_zip"))
            with gr.Tab(I18N("tab_compare"), id="compare"):
                with gr.Row():
                    with gr.Column(scale=1):
                        compare_photo = photo_input(label=I18N("photo_in"), elem_id="compare-input")
                        factors = gr.CheckboxGroup(COMPARE_CHOICES, value=COMPARE_DEFAULT, label=I18N("factors"))
                        compare_button = gr.Button(I18N("compare"), variant="primary")
                        gr.Examples([[p] for p in example_photos], compare_photo, label=I18N("examples"))
                    with gr.Column(scale=2):
                        compare_gallery = gr.Gallery(label=I18N("compare_results"), columns=2, height="auto",
                                                     object_fit="contain", allow_preview=False,
                                                     elem_id="compare-results")
                        compared = gr.State([])

        with gr.Tab(I18N("tab_video"), id="video"):
            video_limits = gr.Markdown()
            with gr.Row():
                with gr.Column():
                    video = gr.Video(sources=["upload"], label=I18N("video_in"), elem_id="video-input")
                    video_model = gr.Dropdown(choices, value=video_default, label=I18N("model"),
                                              info=I18N("model_info"))
                    video_status = gr.Markdown()
                    video_factor = render_factor_slider(value=studio.recommended_render_factor(
                                                            video_default, "video", VIDEO_RENDER_FACTOR),
                                                        label=I18N("render_factor"),
                                                        info=I18N("render_factor_info"), elem_id="video-factor")
                    stabilization = gr.Slider(0, 1, value=0.5, step=0.05, label=I18N("stabilization"),
                                              info=I18N("stabilization_info"))
                    every_frame = gr.Checkbox(False, label=I18N("every_frame"), info=I18N("every_frame_info"))
                    allow_truncated = gr.Checkbox(False, label=I18N("allow_truncated"),
                                                  info=I18N("allow_truncated_info"))
                    with gr.Row(elem_id="video-options"):  # two by two: the column is half the page
                        video_colorize = gr.Checkbox(True, label=I18N("opt_colorize"),
                                                     info=I18N("video_colorize_info"), elem_id="video-colorize")
                        video_dust = gr.Checkbox(False, label=I18N("opt_dust"), info=I18N("opt_dust_info"),
                                                 elem_id="video-dust")
                    with gr.Row():
                        video_flicker = gr.Checkbox(False, label=I18N("opt_flicker"), info=I18N("opt_flicker_info"),
                                                    elem_id="video-flicker")
                        video_grain = gr.Checkbox(False, label=I18N("opt_grain"), info=I18N("film_grain_info"),
                                                  elem_id="video-grain")
                    with gr.Row():
                        video_button = gr.Button(I18N("colorize_video"), variant="primary")
                        cancel_button = gr.Button(I18N("cancel"), variant="stop")
                    gr.Examples([[str(EXAMPLES / "old_film.mp4")]], video, label=I18N("examples"))
                with gr.Column():
                    video_out = gr.Video(label=I18N("video_out"), interactive=False, elem_id="video-output")
                    video_file = gr.File(label=I18N("download_video"), elem_id="video-download")

        # wiring: model runs share the device's queue; the small status updates skip it
        # new options go after the old inputs, defaulting to colour only: older API callers keep working
        photo_run = photo_button.click(studio.colorize_photo, [photo, photo_model, photo_factor, *photo_options],
                                       [before_after, photo_file, damage], api_name="colorize_photo", **on_device)
        photo_run.success(shown, damage, damage_view, **private)
        photo.change(lambda: shown(None), None, damage_view, **private)  # a new photo: its damage is not known yet
        photo_colorize.change(run_labels, photo_colorize, [photo_button, batch_button], **private)
        video_colorize.change(lambda colorize: gr.Button(I18N("colorize_video" if colorize else "restore_video")),
                              video_colorize, video_button, **private)
        hints.follow(photo_run)
        photo_run.then(studio.model_status, photo_model, photo_status, **private)
        batch_button.click(studio.colorize_photos, [batch, photo_model, photo_factor, *photo_options],
                           [batch_gallery, batch_zip], api_name="colorize_photos", **on_device
                           ).then(studio.model_status, photo_model, photo_status, **private)
        compare_button.click(studio.compare_render_factors, [compare_photo, photo_model, factors],
                             [compare_gallery, compared], api_name="compare_render_factors", **on_device
                             ).then(studio.model_status, photo_model, photo_status, **private)
        compare_gallery.select(studio.pick_render_factor, compared, photo_factor, **private)
        video_run = video_button.click(studio.colorize_video,
                                       [video, video_model, video_factor, stabilization, every_frame,
                                        allow_truncated, video_colorize, video_dust, video_flicker, video_grain],
                                       [video_out, video_file], api_name="colorize_video",
                                       show_progress_on=video_out, **on_device)
        video_run.then(studio.model_status, video_model, video_status, **private)
        # queued (gr.Info needs the queue) but never behind the device's limit: it must not wait for the run
        cancel_button.click(studio.cancel_video, None, None, cancels=[video_run], api_visibility="private",
                            concurrency_limit=None)
        for dropdown, status, slider, kind in ((photo_model, photo_status, photo_factor, "photo"),
                                               (video_model, video_status, video_factor, "video")):
            dropdown.change(studio.model_status, dropdown, status, **private)
            # each model starts at the render factor it is made for (lite: the size it was trained at)
            dropdown.change(functools.partial(studio.recommended_render_factor, kind=kind), dropdown, slider,
                            **private)
            demo.load(studio.model_status, dropdown, status, **private)
        demo.load(studio.video_limits_text, None, video_limits, **private)
    return demo.queue(max_size=QUEUE_SIZE)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="*", default=[m for m in env("NOGAN_MODELS", "").split(os.pathsep) if m],
                        help="more models to offer: folders, .pth files or Hub repo ids "
                             "(env NOGAN_MODELS, separated by os.pathsep)")
    parser.add_argument("--default-model", default=env("NOGAN_DEFAULT_MODEL"),
                        help="the model both tabs start with (env NOGAN_DEFAULT_MODEL)")
    parser.add_argument("--concurrency", type=int, default=int(env("NOGAN_CONCURRENCY", "1")),
                        help="model runs at once on this device (env NOGAN_CONCURRENCY)")
    parser.add_argument("--share", action="store_true", default=None,
                        help="create a public share link (or set GRADIO_SHARE=True)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("webui").setLevel(logging.INFO)  # a line per user mistake; faults keep their traceback
    demo = build_demo(Settings(tuple(args.models), args.default_model, args.concurrency))
    # host and port: Gradio reads GRADIO_SERVER_NAME and GRADIO_SERVER_PORT itself
    page = Middleware(BrandedPage, title=TITLE, description=f"{EN['subtitle']}. {EN['intro']}")
    demo.launch(share=args.share, i18n=I18N, max_file_size=VIDEO_LIMITS.max_file_bytes, theme=THEME, css=CSS,
                app_kwargs={"middleware": [page]})


if __name__ == "__main__":
    main()
