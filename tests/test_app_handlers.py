"""The app's handlers, called directly: real pictures through the tiny model, no server."""
from __future__ import annotations

import json
import logging
import os
import re
import string
import threading
import time
import warnings
import zipfile
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image

import app
import webui.gpu
import webui.handlers
import webui.models
from nogan import Colorizer, FFmpegError, OutOfMemoryError, VideoCancelled, WeightsUnavailableError
from nogan.video import VideoLimits
from nogan.weights.loader import BUNDLED
from webui.handlers import PREVIEW_SIDE, Studio
from webui.i18n import EN, TRANSLATIONS, language_of, text
from webui.models import Models

EXAMPLES = app.EXAMPLES
ZH = gr.Request(headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"}, session_hash="zh-session")


@pytest.fixture(scope="module")
def studio(tiny_model_dir, tmp_path_factory) -> Studio:
    return Studio(Models([str(tiny_model_dir)]), tmp_path_factory.mktemp("results"), app.VIDEO_LIMITS)


@pytest.fixture(scope="module")
def model(tiny_model_dir) -> str:
    return str(tiny_model_dir)


def grey_photo(folder: Path, name: str, size: tuple[int, int]) -> Path:
    """A greyscale picture with some structure (a horizontal gradient), saved as `name`."""
    ramp = np.linspace(40, 220, size[0])[None, :] + np.zeros((size[1], 1))
    path = folder / name
    Image.fromarray(ramp.astype(np.uint8)).save(path)
    return path


def chroma(image: Image.Image) -> float:
    """Mean distance from grey: 0 for a black-and-white picture."""
    a = np.asarray(image.convert("RGB"), dtype=np.float32)
    return float(np.abs(a - a.mean(axis=2, keepdims=True)).mean())


def test_photo_gives_previews_and_a_full_resolution_png_named_after_the_upload(studio, model, tmp_path):
    photo = grey_photo(tmp_path, "grandma.jpg", (2000, 1200))
    (before, after), download, damage = studio.colorize_photo(str(photo), model, 8)
    assert Path(download).name == "grandma_colorized.png"
    full = Image.open(download)
    assert full.size == (2000, 1200) and chroma(full) > 5
    assert before.size == after.size == (PREVIEW_SIDE, 960)  # previews are smaller, downloads are not
    assert chroma(before) < 1 < 5 < chroma(after)
    assert damage is None  # nothing was repaired: the damage view stays hidden


@pytest.mark.parametrize("request_, expected", [(None, EN["err_not_image"]), (ZH, TRANSLATIONS["zh"]["err_not_image"])])
def test_a_corrupt_photo_is_a_plain_error_in_the_browser_language(studio, model, tmp_path, request_, expected):
    corrupt = tmp_path / "scan.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG" * 10)
    with pytest.raises(gr.Error) as error:
        studio.colorize_photo(str(corrupt), model, 8, request=request_)
    assert error.value.message == expected


def test_photo_errors_a_user_can_cause(studio, model, tmp_path):
    with pytest.raises(gr.Error, match="upload a photo first"):
        studio.colorize_photo(None, model, 8)
    huge = tmp_path / "poster.png"
    Image.new("1", (9000, 8000)).save(huge)  # 72 megapixels, but a small file
    with pytest.raises(gr.Error, match="too large: at most 64 megapixels"):
        studio.colorize_photo(str(huge), model, 8)
    for factor in (6, 35.5, 41, "abc", None, float("nan")):  # the API takes anything
        with pytest.raises(gr.Error, match="The render factor must be a whole number from 7 to 40."):
            studio.colorize_photo(str(EXAMPLES / "camera.jpg"), model, factor)
    with pytest.raises(gr.Error) as error:
        studio.colorize_photo(str(EXAMPLES / "camera.jpg"), model, "abc", request=ZH)
    assert error.value.message == "渲染因子必须是 7 到 40 之间的整数。"
    assert app.RENDER_FACTOR_RANGE == (7, 40)  # the sliders' range is the handlers' check


def test_user_errors_are_one_log_line_and_faults_keep_their_traceback(studio, model, caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="webui")
    with pytest.raises(gr.Error) as error:
        studio.colorize_photo(None, model, 8)
    assert not error.value.print_exception  # Gradio prints no traceback for it
    assert [r.getMessage() for r in caplog.records] == ["user error: Please upload a photo first."]

    def broken(*args, **kwargs):
        raise FFmpegError("ffmpeg failed encoding x.mp4 (exit code 1)")

    monkeypatch.setattr(webui.handlers, "colorize_video", broken)
    with pytest.raises(gr.Error) as error:
        studio.colorize_video(str(EXAMPLES / "old_film.mp4"), model, 7, 0.5)
    assert error.value.print_exception and "ffmpeg failed" in error.value.message


def test_running_out_of_memory_is_explained(studio, model, monkeypatch):
    def exhausted(*args, **kwargs):
        raise OutOfMemoryError("cpu ran out of memory colouring this picture at render_factor=40")

    monkeypatch.setattr(Colorizer, "colorize", exhausted)
    with pytest.raises(gr.Error, match="ran out of memory. Please try a lower render factor or a smaller file"):
        studio.colorize_photo(str(EXAMPLES / "camera.jpg"), model, 40)


def test_results_older_than_an_hour_are_removed(studio, model):
    old = studio.workdir / "yesterday"
    old.mkdir()
    os.utime(old, (time.time() - 2 * 3600,) * 2)
    _, download, _ = studio.colorize_photo(str(EXAMPLES / "camera.jpg"), model, 8)
    assert Path(download).is_file() and not old.exists()


def test_batch_skips_unreadable_files_and_zips_the_rest(studio, model, tmp_path):
    (tmp_path / "other").mkdir()
    first = grey_photo(tmp_path, "a.png", (64, 48))
    second = grey_photo(tmp_path / "other", "a.png", (80, 60))  # the same name: results must not collide
    broken = tmp_path / "broken.png"
    broken.write_text("this is text")
    with pytest.warns(UserWarning, match="Skipped broken.png: This file is not a picture"):
        gallery, archive = studio.colorize_photos([str(first), str(broken), str(second)], model, 8)
    assert [caption for _, caption in gallery] == ["a_colorized.png", "a_colorized_2.png"]
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == ["a_colorized.png", "a_colorized_2.png"]
        sizes = {name: Image.open(zf.open(name)).size for name in zf.namelist()}
    assert sizes == {"a_colorized.png": (64, 48), "a_colorized_2.png": (80, 60)}
    with pytest.raises(gr.Error, match="at most 24 photos"):
        studio.colorize_photos([str(first)] * 25, model, 8)
    with pytest.raises(gr.Error, match="not a picture"):
        studio.colorize_photos([str(broken)], model, 8)


def test_compare_orders_the_factors_and_a_click_picks_one(studio, model):
    gallery, factors = studio.compare_render_factors(str(EXAMPLES / "chelsea.jpg"), model, [14, 7, 14], ZH)
    assert factors == [7, 14]
    assert [caption for _, caption in gallery] == ["渲染因子 7", "渲染因子 14"]
    assert all(image.size == (451, 300) and chroma(image) > 5 for image, _ in gallery)
    assert studio.pick_render_factor(factors, gr.SelectData(None, {"index": 1, "value": None})) == 14
    with pytest.raises(gr.Error, match="at least one render factor"):
        studio.compare_render_factors(str(EXAMPLES / "chelsea.jpg"), model, [])


def test_failed_and_cancelled_requests_leave_no_folder_behind(tiny_model_dir, tmp_path, monkeypatch):
    studio = Studio(Models([str(tiny_model_dir)]), tmp_path / "work", app.VIDEO_LIMITS)
    broken = tmp_path / "broken.png"
    broken.write_text("this is text")
    with pytest.raises(gr.Error, match="not a picture"):
        studio.colorize_photos([str(broken), str(broken)], str(tiny_model_dir), 8)
    fake = tmp_path / "film.mp4"
    fake.write_text("not a film")
    with pytest.raises(gr.Error, match="not a video"):
        studio.colorize_video(str(fake), str(tiny_model_dir), 7, 0.5)

    def cancelled(*args, **kwargs):
        raise VideoCancelled("cancelled after 8 frames")

    monkeypatch.setattr(webui.handlers, "colorize_video", cancelled)
    with pytest.raises(gr.Error, match="Video colouring cancelled."):
        studio.colorize_video(str(EXAMPLES / "old_film.mp4"), str(tiny_model_dir), 7, 0.5)
    assert list(studio.workdir.iterdir()) == []


def test_a_film_that_ends_early_is_refused_or_coloured_with_a_note(studio, model, tmp_path):
    film = tmp_path / "reel.mp4"
    data = (EXAMPLES / "old_film.mp4").read_bytes()
    film.write_bytes(data[:len(data) // 2])
    with pytest.raises(gr.Error) as error:
        studio.colorize_video(str(film), model, 7, 0.5, False, False, request=ZH)
    assert re.fullmatch(r"这段视频提前结束：96 帧中只能读取 \d+ 帧（文件可能不完整）。.*", error.value.message)
    with pytest.warns(UserWarning, match=r"This video ends early: \d+ of its 96 frames could be read, and those"):
        _, download = studio.colorize_video(str(film), model, 7, 0.5, False, True)
    assert Path(download).name == "reel_colorized.mp4"


def test_the_model_work_of_every_handler_runs_inside_spaces_gpu(tiny_model_dir, tmp_path, monkeypatch):
    """On ZeroGPU a GPU exists only inside functions decorated with `spaces.GPU`."""
    inside, asked = [], []

    def gpu(function, duration):
        def lent(*args, **kwargs):
            asked.append(duration(*args, **kwargs) if callable(duration) else duration)
            inside.append(True)
            try:
                return function(*args, **kwargs)
            finally:
                inside.pop()
        return lent

    monkeypatch.setattr(webui.gpu.spaces, "GPU", gpu)
    colorize = Colorizer.colorize

    def colorize_on_gpu(self, *args, **kwargs):
        assert inside, "the model ran outside spaces.GPU"
        return colorize(self, *args, **kwargs)

    monkeypatch.setattr(Colorizer, "colorize", colorize_on_gpu)
    studio, model = Studio(Models([str(tiny_model_dir)]), tmp_path, app.VIDEO_LIMITS), str(tiny_model_dir)
    studio.colorize_photo(str(EXAMPLES / "camera.jpg"), model, 8)
    studio.colorize_photos([str(EXAMPLES / "camera.jpg")] * 3, model, 8)
    studio.compare_render_factors(str(EXAMPLES / "camera.jpg"), model, [7, 8])
    studio.colorize_video(str(EXAMPLES / "old_film.mp4"), model, 7, 0.5)
    photo, batch, compare, film = asked
    assert photo < batch and compare < batch and film > batch  # 96 frames ask for longer than 3 photos
    assert film <= webui.gpu.MAX_SECONDS


def test_video_limits_and_wrong_files_are_plain_errors(tiny_model_dir, tmp_path):
    strict = Studio(Models([str(tiny_model_dir)]), tmp_path, VideoLimits(max_duration_s=2, max_pixels=1920 * 1080,
                                                                          max_file_bytes=2**20))
    with pytest.raises(gr.Error, match=r"over the limits: at most 2 seconds, 1 MB and 1920×1080"):
        strict.colorize_video(str(EXAMPLES / "old_film.mp4"), str(tiny_model_dir), 7, 0.5)
    not_a_video = tmp_path / "holiday.mp4"
    not_a_video.write_text("an mp4 by name only")
    with pytest.raises(gr.Error, match="not a video that can be read"):
        strict.colorize_video(str(not_a_video), str(tiny_model_dir), 7, 0.5)
    assert strict.video_limits_text(ZH) == "每段视频最长 2 秒，不超过 1 MB，分辨率不超过 1920×1080；保留原有声音。"


def test_every_frame_sends_every_frame_through_the_model(studio, model, monkeypatch):
    model_frames = []
    colorize_video = webui.handlers.colorize_video

    def counting(*args, **kwargs):
        result = colorize_video(*args, **kwargs)
        model_frames.append(result.model_frames)
        return result
    monkeypatch.setattr(webui.handlers, "colorize_video", counting)
    for every_frame in (False, True):
        studio.colorize_video(str(EXAMPLES / "old_film.mp4"), model, 7, 0.5, every_frame)
    assert model_frames[1] == 96 and model_frames[0] <= 60  # on a CPU, keyframes by default


def test_cancel_stops_only_that_sessions_video(studio, model):
    outcome: dict[str, BaseException] = {}

    def run() -> None:
        try:
            studio.colorize_video(str(EXAMPLES / "old_film.mp4"), model, 7, 0.5, False, request=ZH)
        except gr.Error as e:
            outcome["error"] = e

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 30
    while not studio.jobs.cancel("zh-session"):  # False until the job has started
        assert time.monotonic() < deadline and worker.is_alive()
        time.sleep(0.02)
    assert not studio.jobs.cancel("another-session")
    worker.join(60)
    assert outcome["error"].message == "已取消视频上色。"


def test_a_model_that_cannot_be_downloaded_falls_back_to_lite(tiny_model_dir, monkeypatch):
    def offline(*args, **kwargs):
        raise WeightsUnavailableError("the Hub cannot be reached")

    monkeypatch.setattr("nogan.weights.loader.fetch", offline)
    lite = str(tiny_model_dir)  # stands in for the bundled model
    monkeypatch.setattr(webui.models, "LITE", lite)
    models = Models([lite])
    assert models.status("artistic", "en") == "Model **Artistic** loads on first use (255 MB, downloaded once)."
    with pytest.warns(UserWarning, match="Model Artistic cannot be downloaded here, so the offline Lite model"):
        colorizer = models.get("artistic", "en", progress=lambda *a, **k: None)
    assert colorizer.info.name == "tiny"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the toast once per model: the status line keeps saying it
        assert models.get("artistic", "en", progress=lambda *a, **k: None) is colorizer
    assert models.status("artistic", "zh") == "模型 **Artistic** 离线不可用，已改用 **Lite**。"

    monkeypatch.setattr(webui.models, "LITE", "not-bundled")  # as if no offline model shipped
    with pytest.raises(gr.Error, match="Model Stable is not on this server and cannot be downloaded now"):
        Models().get("stable", "en", progress=lambda *a, **k: None)


def test_models_load_lazily_and_say_when_ready(tiny_model_dir):
    models = Models([str(tiny_model_dir)])
    name = str(tiny_model_dir)
    assert ("Artistic", "artistic") in models.choices() and (Path(name).name, name) in models.choices()
    assert models.status(name, "en") == f"Model **{Path(name).name}** loads on first use."
    models.get(name, "en", progress=lambda *a, **k: None)
    assert models.status(name, "zh") == f"模型 **{Path(name).name}** 已加载，可以使用。"


def test_every_string_exists_in_both_languages_with_the_same_placeholders():
    fields = lambda s: sorted(f for _, f, _, _ in string.Formatter().parse(s) if f)  # noqa: E731
    for language, strings in TRANSLATIONS.items():
        assert strings.keys() == EN.keys(), language
        for key, value in strings.items():
            assert fields(value) == fields(EN[key]), (language, key)
    assert not any(re.search(r"[\u4e00-\u9fff]", s) for s in EN.values())
    assert text("err_too_many", "zh", count=3) == "一次最多上传 3 张照片。"


@pytest.mark.parametrize("header, expected", [("zh-CN,zh;q=0.9", "zh"), ("zh-TW", "zh"), ("en-US,en;q=0.9", "en"),
                                              ("fr-FR,zh;q=0.5", "zh"), ("de", "en"), (None, "en")])
def test_language_follows_accept_language(header, expected):
    assert language_of(header) == expected


def test_command_line_and_environment(monkeypatch):
    monkeypatch.setenv("NOGAN_MODELS", os.pathsep.join(["/models/a", "owner/repo"]))
    monkeypatch.setenv("NOGAN_DEFAULT_MODEL", "owner/repo")
    args = app.parse_args([])
    assert (args.models, args.default_model, args.concurrency, args.share) == (["/models/a", "owner/repo"],
                                                                              "owner/repo", 1, None)
    assert app.parse_args(["--share", "--concurrency", "2"]).share is True


def test_each_model_starts_at_the_render_factor_it_is_made_for(studio, model):
    lite = json.loads((BUNDLED["lite"] / "config.json").read_text())["render_factor"]
    assert studio.recommended_render_factor("lite", "photo") == lite["photo"] != 35  # lite: 192 px, its training size
    assert studio.recommended_render_factor("artistic", "photo") == 35
    assert studio.recommended_render_factor("video", "video") == 21
    assert studio.recommended_render_factor(model, "photo") == 8  # a model folder: its config says
    # a Hub repo id says nothing until it is loaded: the slider is left as it is
    assert isinstance(studio.recommended_render_factor("someone/some-model", "photo"), type(gr.skip()))
    page = app.build_demo(app.Settings(default_model="lite")).config
    sliders = {c["props"].get("elem_id"): c["props"]["value"] for c in page["components"] if c["type"] == "slider"}
    assert sliders["photo-factor"] == lite["photo"] and sliders["video-factor"] == lite["video"]
