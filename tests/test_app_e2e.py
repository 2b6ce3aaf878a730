"""The running app through its named API endpoints, as a `gradio_client` user calls them."""
from __future__ import annotations

import re
import subprocess
import urllib.request
import zipfile
from concurrent.futures import wait
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from test_app_server import EXAMPLES

pytest_plugins = ["test_app_server"]
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture(scope="module")
def model(tiny_model_dir) -> str:
    return str(tiny_model_dir)


def chroma(image: Image.Image) -> float:
    a = np.asarray(image.convert("RGB"), dtype=np.float32)
    return float(np.abs(a - a.mean(axis=2, keepdims=True)).mean())


def luminance(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.float32)


def ffmpeg_streams(path: str) -> str:
    log = subprocess.run([FFMPEG, "-hide_banner", "-i", path], capture_output=True, text=True).stderr
    return "\n".join(line.strip() for line in log.splitlines() if "Stream #" in line or "Duration" in line)


def decode(path: str, *args: str) -> bytes:
    return subprocess.run([FFMPEG, "-v", "error", "-i", path, *args, "-"], capture_output=True, check=True).stdout


def test_the_page_names_this_app_not_gradio(app_url):
    with urllib.request.urlopen(app_url) as response:
        page = response.read().decode()
    head = page[:page.index("<script")]  # what link previews and search engines read
    assert "<title>时光重塑 · Time Reshaped</title>" in head
    tags = dict(re.findall(r'<meta\s+(?:property|name)="((?:og|twitter):\w+)"\s+content="([^"]*)"', head))
    assert tags["og:title"] == tags["twitter:title"] == "时光重塑 · Time Reshaped"
    assert tags["og:description"].startswith("NoGAN black-and-white image restoration.")
    assert "Gradio" not in head and "gradio.app" not in head


@pytest.mark.parametrize("factor", ["abc", None, 0])
def test_a_bad_render_factor_is_explained_in_the_users_words(client, model, factor):
    with pytest.raises(AppError, match="The render factor must be a whole number from 7 to 40."):
        client.predict(handle_file(EXAMPLES / "coffee.jpg"), model, factor, api_name="/colorize_photo")


def test_photo_endpoint_returns_the_full_resolution_result(client, model):
    source = EXAMPLES / "chelsea.jpg"
    (before, after), download = client.predict(handle_file(source), model, 35, api_name="/colorize_photo")
    assert Path(download).name == "chelsea_colorized.png"
    result, original = Image.open(download), Image.open(source)
    assert result.size == original.size == Image.open(after).size == Image.open(before).size
    assert chroma(original) < 1 and chroma(result) > 10
    # the colours are new, the picture is the same: the luminance is the original's
    assert np.abs(luminance(result) - luminance(original)).mean() < 3


def test_batch_endpoint_zips_every_result(client, model):
    photos = [EXAMPLES / "camera.jpg", EXAMPLES / "rocket.jpg"]
    gallery, archive = client.predict([handle_file(p) for p in photos], model, 8, api_name="/colorize_photos")
    assert [item["caption"] for item in gallery] == ["camera_colorized.png", "rocket_colorized.png"]
    with zipfile.ZipFile(archive) as zf:
        for photo in photos:
            result = Image.open(zf.open(f"{photo.stem}_colorized.png"))
            assert result.size == Image.open(photo).size and chroma(result) > 10


def test_compare_endpoint_shows_each_factor(client, model):
    gallery = client.predict(handle_file(EXAMPLES / "astronaut.jpg"), model, [21, 7],
                             api_name="/compare_render_factors")
    assert [item["caption"] for item in gallery] == ["Render factor 7", "Render factor 21"]
    first, second = (np.asarray(Image.open(item["image"]), dtype=np.float32) for item in gallery)
    assert np.abs(first - second).mean() > 1  # different factors, different colours


def test_video_endpoint_colours_the_film_and_keeps_its_sound(client, model):
    source = str(EXAMPLES / "old_film.mp4")
    player, download = client.predict(handle_file(source), model, 7, 0.5, api_name="/colorize_video")
    assert Path(download).name == "old_film_colorized.mp4"
    streams = ffmpeg_streams(download)
    assert "Duration: 00:00:04.0" in streams and "Video: h264" in streams and "320x240" in streams
    assert "Audio: aac" in streams
    frame = np.frombuffer(decode(download, "-ss", "2", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24"),
                          np.uint8).reshape(240, 320, 3)
    assert chroma(Image.fromarray(frame)) > 10
    sound_in, sound_out = (np.frombuffer(decode(path, "-map", "0:a:0", "-ac", "1", "-f", "s16le"), np.int16)
                           for path in (source, download))
    assert abs(len(sound_in) - len(sound_out)) < 0.05 * 44100
    n = min(len(sound_in), len(sound_out))
    assert np.corrcoef(sound_in[:n], sound_out[:n])[0, 1] > 0.99
    assert Path(player).stat().st_size == Path(download).stat().st_size


def test_user_errors_are_plain_words_and_the_app_keeps_serving(client, model, tmp_path):
    corrupt = tmp_path / "scan.jpg"
    corrupt.write_bytes(b"this was never a photo")
    with pytest.raises(AppError, match="This file is not a picture that can be read"):
        client.predict(handle_file(corrupt), model, 8, api_name="/colorize_photo")
    fake = tmp_path / "film.mp4"
    fake.write_text("not a film")
    with pytest.raises(AppError, match="This file is not a video that can be read"):
        client.predict(handle_file(fake), model, 7, 0.5, api_name="/colorize_video")
    too_long = tmp_path / "long.mp4"
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "color=c=gray:s=32x32:r=1:d=61", "-c:v", "libx264",
                    str(too_long)], check=True)
    with pytest.raises(AppError, match="This video is over the limits: at most 60 seconds, 200 MB"):
        client.predict(handle_file(too_long), model, 7, 0.5, api_name="/colorize_video")
    _, download = client.predict(handle_file(EXAMPLES / "coffee.jpg"), model, 8, api_name="/colorize_photo")
    assert Image.open(download).size == Image.open(EXAMPLES / "coffee.jpg").size


def test_eight_concurrent_requests_each_get_their_own_result(client, model, tmp_path):
    inputs = []
    for i in range(8):
        size = (48 + 8 * i, 40 + 4 * i)
        level = 30 + 25 * i  # a distinct brightness per input, 25 apart: the luminance tells results apart
        path = tmp_path / f"input_{i}.png"
        Image.new("L", size, level).save(path)
        inputs.append((path, size, level))
    jobs = [client.submit(handle_file(path), model, 8, api_name="/colorize_photo") for path, _, _ in inputs]
    done, _ = wait(jobs, timeout=180)
    assert len(done) == 8
    for job, (path, size, level) in zip(jobs, inputs):
        _, download = job.result()
        result = Image.open(download)
        assert Path(download).name == f"{path.stem}_colorized.png"
        assert result.size == size
        assert abs(luminance(result).mean() - level) < 8  # clipped colours near black shift it slightly


def test_restoration_options_come_after_the_old_inputs_and_default_to_colour_only(client):
    """Callers written before restoration pass only the old inputs and get what they got then."""
    defaults = {"colorize": True, "repair": False, "grain": False, "contrast": False, "upscale": 1}
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for name, old in [("/colorize_photo", 3), ("/colorize_photos", 3)]:
        parameters = endpoints[name]["parameters"]
        assert {p["parameter_name"]: p["parameter_default"] for p in parameters[old:]} == defaults
    assert len(endpoints["/colorize_photo"]["returns"]) == 2  # the damage view is the page's only
    film = {p["parameter_name"]: p["parameter_default"] for p in endpoints["/colorize_video"]["parameters"][6:]}
    assert film == {"colorize": True, "dust": False, "flicker": False, "grain": False}


def test_photo_restored_without_colour_and_upscaled_through_the_api(client, model, tmp_path):
    scan = tmp_path / "scan.png"
    ramp = np.tile(np.linspace(90, 160, 120, dtype=np.uint8), (80, 1))  # faded: a narrow tone range
    Image.fromarray(ramp).save(scan)
    (before, after), download = client.predict(handle_file(scan), model, 8, colorize=False, repair=True,
                                               contrast=True, upscale=2, api_name="/colorize_photo")
    assert Path(download).name == "scan_restored.png"
    result = Image.open(download)
    assert result.size == (240, 160) == Image.open(before).size == Image.open(after).size
    assert chroma(result) < 1 and np.ptp(luminance(result)) > 100  # still grey, the contrast is back
    _, archive = client.predict([handle_file(scan)], model, 8, True, False, False, False, 2,
                                api_name="/colorize_photos")
    with zipfile.ZipFile(archive) as zf:
        coloured = Image.open(zf.open("scan_colorized.png"))
    assert coloured.size == (240, 160) and chroma(coloured) > 5
    with pytest.raises(AppError, match="Upscale must be 1, 2 or 4."):
        client.predict(handle_file(scan), model, 8, upscale=3, api_name="/colorize_photo")


def test_film_restored_without_colour_through_the_api(client, model):
    player, download = client.predict(handle_file(EXAMPLES / "old_film.mp4"), model, 7, 0.5, colorize=False,
                                      dust=True, flicker=True, api_name="/colorize_video")
    assert Path(download).name == "old_film_restored.mp4"
    assert Path(player).stat().st_size == Path(download).stat().st_size
    streams = ffmpeg_streams(download)
    assert "Duration: 00:00:04.0" in streams and "320x240" in streams and "Audio: aac" in streams
    frame = np.frombuffer(decode(download, "-ss", "2", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24"),
                          np.uint8).reshape(240, 320, 3)
    assert chroma(Image.fromarray(frame)) < 3  # restored, not coloured
