"""Colour hints in the app: the handlers called directly (the editor's strokes, the reference palette
and the `/apply_colours` endpoint) with the tiny model, then the endpoint through the running app."""
from __future__ import annotations

from pathlib import Path

import cv2
import gradio as gr
import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image, ImageDraw

import app
from webui.handlers import PREVIEW_SIDE, Studio
from webui.hints import Coloured, ColourHints, editor_hints
from webui.models import Models

pytest_plugins = ["test_app_server"]  # the `client` of the running app, for the last tests
ZH = gr.Request(headers={"accept-language": "zh-CN,zh;q=0.9"}, session_hash="zh-session")
BLUE = (47, 111, 181)


@pytest.fixture(scope="module")
def model(tiny_model_dir) -> str:
    return str(tiny_model_dir)


@pytest.fixture(scope="module")
def studio(model, tmp_path_factory) -> Studio:
    return Studio(Models([model]), tmp_path_factory.mktemp("results"), app.VIDEO_LIMITS)


@pytest.fixture(scope="module")
def hints(studio, model) -> ColourHints:
    return ColourHints(studio, model)


def two_regions(path: Path, size: tuple[int, int] = (400, 240), mode: str = "L") -> Path:
    """A dark left half and a light right half, split by a sharp vertical edge."""
    width, height = size
    grey = np.full((height, width), 170, np.uint8)
    grey[:, : width // 2] = 70
    image = Image.fromarray(grey).convert(mode)
    if mode == "RGBA":
        image.putalpha(Image.fromarray(np.tile(np.linspace(0, 255, width, dtype=np.uint8), (height, 1))))
    image.save(path)
    return path


def file(path: Path) -> dict:
    """A file as the endpoint receives it from gradio_client."""
    return {"path": str(path), "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def stroke_layer(size: tuple[int, int], box: tuple[float, float, float, float], colour=BLUE) -> Image.Image:
    """A transparent layer with one thick stroke across `box` (fractions of the width and height)."""
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    w, h = size
    x0, y0, x1, y1 = box
    ImageDraw.Draw(layer).line([(x0 * w, y0 * h), (x1 * w, y1 * h)], fill=(*colour, 255), width=max(3, h // 20))
    return layer


def chroma_uv(image: Image.Image, box: tuple[float, float, float, float]) -> np.ndarray:
    """Mean (U, V) chroma over `box` (fractions), in 0-255 YUV with 128 as grey."""
    yuv = cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2YUV).astype(np.float32)
    h, w = yuv.shape[:2]
    x0, y0, x1, y1 = box
    return yuv[int(y0 * h):int(y1 * h), int(x0 * w):int(x1 * w), 1:].reshape(-1, 2).mean(axis=0)


def luma(image: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2YUV)[:, :, 0].astype(np.float32)


def is_blue(uv: np.ndarray) -> bool:
    u, v = uv - 128
    return u > 15 and v < -5


def coloured_photo(studio, model, path: Path) -> tuple[tuple[Image.Image, Image.Image], str]:
    """The before/after previews and the download path, as the app's Colorize button leaves them."""
    before_after, download, *_ = studio.colorize_photo(str(path), model, 8)
    return before_after, download


def test_strokes_painted_on_the_preview_colour_their_region_of_the_full_size_result(studio, hints, model,
                                                                                      tmp_path):
    photo = two_regions(tmp_path / "coat.png", (2000, 1200))
    before_after, download = coloured_photo(studio, model, photo)
    editor, kept = hints.edit(download)
    assert editor["background"].size == (PREVIEW_SIDE, 960) and kept.image.size == (2000, 1200)
    editor["layers"] = [stroke_layer(editor["background"].size, (0.1, 0.5, 0.4, 0.5))]  # on the dark half

    (before, after), path = hints.apply(kept, editor, None, 1.0, before_after)
    result = Image.open(path)
    assert Path(path).name == "coat_colorized.png" and result.size == (2000, 1200)
    assert before is before_after[0] and after.size == (PREVIEW_SIDE, 960)
    assert is_blue(chroma_uv(result, (0.05, 0.1, 0.45, 0.9)))  # the whole dark region, not only the stroke
    model_right = chroma_uv(kept.image, (0.55, 0.1, 0.95, 0.9))
    assert np.abs(chroma_uv(result, (0.55, 0.1, 0.95, 0.9)) - model_right).max() < 3  # no leak over the edge
    assert np.abs(luma(result) - luma(kept.image)).mean() < 1.5  # only colours change


def test_applying_again_starts_from_the_models_colours_not_the_last_result(studio, hints, model, tmp_path):
    before_after, download = coloured_photo(studio, model, two_regions(tmp_path / "a.png"))
    editor, kept = hints.edit(download)
    size = editor["background"].size
    editor["layers"] = [stroke_layer(size, (0.1, 0.5, 0.4, 0.5))]
    hints.apply(kept, editor, None, 1.0, before_after)
    editor["layers"] = [stroke_layer(size, (0.6, 0.5, 0.9, 0.5))]  # the first stroke was undone
    _, path = hints.apply(kept, editor, None, 1.0, before_after)
    result = Image.open(path)
    assert is_blue(chroma_uv(result, (0.55, 0.1, 0.95, 0.9)))
    assert np.abs(chroma_uv(result, (0.05, 0.1, 0.45, 0.9)) - chroma_uv(kept.image, (0.05, 0.1, 0.45, 0.9))
                  ).max() < 3


def test_a_reference_photo_lends_its_palette(studio, hints, model, tmp_path):
    before_after, download = coloured_photo(studio, model, two_regions(tmp_path / "street.png"))
    editor, kept = hints.edit(download)
    reference = tmp_path / "green.png"
    Image.fromarray(np.dstack([np.linspace(20, 90, 64)[None, :].repeat(48, 0),
                               np.linspace(90, 230, 64)[None, :].repeat(48, 0),
                               np.linspace(30, 100, 64)[None, :].repeat(48, 0)]).astype(np.uint8)).save(reference)
    _, path = hints.apply(kept, editor, str(reference), 1.0, before_after)
    green, result, model_tint = (chroma_uv(Image.open(p), (0, 0, 1, 1)) for p in (reference, path, download))
    assert np.linalg.norm(result - green) < 0.5 * np.linalg.norm(model_tint - green)
    _, unchanged = hints.apply(kept, editor, str(reference), 0.0, before_after)
    assert np.abs(np.asarray(Image.open(unchanged), np.float32) - np.asarray(kept.image, np.float32)).max() <= 2


def test_transparency_is_kept(studio, hints, model, tmp_path):
    before_after, download = coloured_photo(studio, model, two_regions(tmp_path / "logo.png", mode="RGBA"))
    editor, kept = hints.edit(download)
    editor["layers"] = [stroke_layer(editor["background"].size, (0.6, 0.5, 0.9, 0.5))]
    _, path = hints.apply(kept, editor, None, 1.0, before_after)
    result = Image.open(path)
    assert result.mode == "RGBA" and result.getchannel("A").tobytes() == kept.image.getchannel("A").tobytes()


def test_the_editor_and_the_kept_result_are_dropped_with_a_new_photo(hints):
    assert hints.edit(None) == (None, None) and hints.forget() == (None, None)


def test_clear_canvas_brings_the_result_back_without_strokes(hints):
    """The editor's "Clear canvas" removes the picture too; the app puts the result back."""
    kept = Coloured("x_colorized.png", Image.new("RGB", (2400, 1200), (200, 120, 40)))
    value = hints.unpainted(kept)
    assert value["layers"] == [] and value["background"].size == (PREVIEW_SIDE, 800)
    assert hints.unpainted(None) is None


def test_editor_hints_are_none_when_nothing_is_painted():
    assert editor_hints(None, (10, 10)) is None
    assert editor_hints({"background": None, "layers": [Image.new("RGBA", (5, 5))], "composite": None},
                        (10, 10)) is None


@pytest.mark.parametrize("request_, message", [
    (None, "Please colour the photo first, then paint colours on the result."),
    (ZH, "请先为照片上色，再在结果上涂色。"),
])
def test_apply_before_colouring_is_explained(hints, request_, message):
    with pytest.raises(gr.Error, match=message):
        hints.apply(None, None, None, 1.0, None, request_)


def test_apply_with_nothing_painted_is_explained(studio, hints, model, tmp_path):
    before_after, download = coloured_photo(studio, model, two_regions(tmp_path / "b.png"))
    editor, kept = hints.edit(download)
    with pytest.raises(gr.Error, match="Please paint some colours on the picture, or choose a colour reference"):
        hints.apply(kept, editor, None, 1.0, before_after)


# --- the endpoint ----------------------------------------------------------------------------------
def test_the_endpoint_colours_the_photo_with_its_hints(hints, tmp_path):
    photo = two_regions(tmp_path / "dress.png")
    painted = tmp_path / "hints.png"
    stroke_layer((400, 240), (0.6, 0.5, 0.9, 0.5)).save(painted)
    result = hints.apply_colours(file(photo), file(painted), render_factor=8)
    image = Image.open(result.path)
    assert Path(result.path).name == "dress_colorized.png" and image.size == (400, 240)
    assert is_blue(chroma_uv(image, (0.55, 0.1, 0.95, 0.9))) and not is_blue(chroma_uv(image, (0.05, 0.1, 0.45, 0.9)))
    assert np.abs(luma(image) - luma(Image.open(photo))).mean() < 1.5


def test_the_endpoint_changes_a_given_coloured_result_without_the_model(studio, hints, model, tmp_path,
                                                                         monkeypatch):
    photo = two_regions(tmp_path / "hat.png")
    _, download = coloured_photo(studio, model, photo)
    bigger = tmp_path / "bigger.png"  # a restored, enlarged result: the hints follow its size
    Image.open(download).resize((800, 480), Image.BICUBIC).save(bigger)
    painted = tmp_path / "hints.png"
    stroke_layer((800, 480), (0.1, 0.5, 0.4, 0.5)).save(painted)
    monkeypatch.setattr(hints, "_colour_on_gpu", None)  # the model must not run
    image = Image.open(hints.apply_colours(file(photo), file(painted), file(bigger)).path)
    assert image.size == (800, 480) and is_blue(chroma_uv(image, (0.05, 0.1, 0.45, 0.9)))


@pytest.mark.parametrize("request_, message", [
    (None, "The hints picture is 200×100 pixels but the picture it colours is 400×240; they must be the same size."),
    (ZH, "颜色提示图为 200×100 像素，而要上色的图片为 400×240 像素；两者尺寸必须相同。"),
])
def test_hints_of_the_wrong_size_are_explained_with_both_sizes(hints, tmp_path, request_, message):
    painted = tmp_path / "small.png"
    stroke_layer((200, 100), (0.1, 0.5, 0.9, 0.5)).save(painted)
    with pytest.raises(gr.Error, match=message):
        hints.apply_colours(file(two_regions(tmp_path / "p.png")), file(painted), render_factor=8, request=request_)


@pytest.mark.parametrize("case, message", [
    ("opaque", "The hints picture must be a PNG with transparency"),
    ("unreadable", "The hints picture cannot be read."),
    ("nothing", "Please paint some colours on the picture, or choose a colour reference photo, first."),
    ("bare path", r"Please send pictures as files \(handle_file"),
    ("strength", "The reference strength must be a number from 0 to 1."),
    ("render factor", "The render factor must be a whole number from 7 to 40."),
    ("no photo", "Please upload a photo first."),
])
def test_endpoint_mistakes_are_explained(hints, tmp_path, case, message):
    photo = file(two_regions(tmp_path / "p.png"))
    opaque, broken = tmp_path / "opaque.png", tmp_path / "broken.png"
    Image.new("RGB", (400, 240), BLUE).save(opaque)
    broken.write_bytes(b"not a picture")
    painted = tmp_path / "hints.png"
    stroke_layer((400, 240), (0.1, 0.5, 0.9, 0.5)).save(painted)
    calls = {
        "opaque": lambda: hints.apply_colours(photo, file(opaque), render_factor=8),
        "unreadable": lambda: hints.apply_colours(photo, file(broken), render_factor=8),
        "nothing": lambda: hints.apply_colours(photo),
        "bare path": lambda: hints.apply_colours(photo, str(painted)),
        "strength": lambda: hints.apply_colours(photo, file(painted), strength=2),
        "render factor": lambda: hints.apply_colours(photo, file(painted), render_factor=3),
        "no photo": lambda: hints.apply_colours(None, file(painted)),
    }
    with pytest.raises(gr.Error, match=message):
        calls[case]()


def test_an_unknown_model_is_named_with_the_models_there_are(hints, tmp_path):
    painted = tmp_path / "hints.png"
    stroke_layer((400, 240), (0.1, 0.5, 0.9, 0.5)).save(painted)
    with pytest.raises(gr.Error, match=r"There is no model 'sepia' here; the models are: artistic, .*stable"):
        hints.apply_colours(file(two_regions(tmp_path / "p.png")), file(painted), model="sepia")


# --- through the running app, as a gradio_client user calls it ------------------------------------
def test_the_endpoint_through_gradio_client(client, tmp_path):
    photo, painted = two_regions(tmp_path / "scarf.png"), tmp_path / "hints.png"
    stroke_layer((400, 240), (0.6, 0.5, 0.9, 0.5)).save(painted)
    path = client.predict(handle_file(photo), handle_file(painted), render_factor=8, api_name="/apply_colours")
    image = Image.open(path)
    assert Path(path).name == "scarf_colorized.png" and image.size == (400, 240)
    assert is_blue(chroma_uv(image, (0.55, 0.1, 0.95, 0.9))) and not is_blue(chroma_uv(image, (0.05, 0.1, 0.45, 0.9)))
    small = tmp_path / "small.png"
    stroke_layer((200, 100), (0.1, 0.5, 0.9, 0.5)).save(small)
    with pytest.raises(AppError, match="The hints picture is 200×100 pixels but the picture it colours is 400×240"):
        client.predict(handle_file(photo), handle_file(small), api_name="/apply_colours")
