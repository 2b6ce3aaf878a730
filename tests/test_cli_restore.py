"""`python -m nogan` with restoration, upscaling, colour hints and a palette reference, on photos
and films, on the local backend and on Ray: names, sizes, colours, frames and sound, usage errors.

The colour model is the tiny seeded one; the restoration uses a tiny damage model that finds
nothing (what it finds is tested in test_restore.py) with the packaged denoiser and upscaler.
"""
from __future__ import annotations

import pickle

import cv2
import numpy as np
import pytest
import torch
from PIL import Image
from test_cluster import local_ray  # noqa: F401  (fixture: one local Ray instance for the session)
from test_video import decode, make_clip, one_torch_thread  # noqa: F401  (fixture)

import nogan.job
from nogan.cli import main
from nogan.job import Job
from nogan.restore.damage import DamageNet, DamageNetConfig, save_damage_net
from nogan.video import RestoreOptions, probe

RF = ["-r", "4", "--precision", "fp32"]  # the tiny model's smallest sensible render factor: fast


@pytest.fixture(scope="module")
def damage_model(tmp_path_factory):
    """A tiny damage model folder whose head finds no damage anywhere."""
    torch.manual_seed(0)
    net = DamageNet(DamageNetConfig.tiny()).eval()
    with torch.no_grad():
        net.head.weight.zero_()
        net.head.bias.fill_(-20.0)
    return save_damage_net(net, tmp_path_factory.mktemp("damage"))


@pytest.fixture(scope="module")
def models(tiny_model_dir, damage_model) -> list[str]:
    return ["-m", str(tiny_model_dir), "--restore-model", str(damage_model), *RF]


def grey_photo(path, size=(64, 48)):
    """A smooth grey picture: a gradient, a bright disc on the left half and a dark bar on the right."""
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    grey = 60 + 1.2 * x + 0.5 * y
    grey[(x - width * 0.25) ** 2 + (y - height * 0.5) ** 2 < (height * 0.3) ** 2] = 210
    grey[:, int(width * 0.7):int(width * 0.8)] = 40
    Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8)).save(path)
    return path


def redness(image: Image.Image, box) -> float:
    """Mean of R minus B over `box` (left, top, right, bottom)."""
    pixels = np.asarray(image.convert("RGB").crop(box), np.float32)
    return float((pixels[..., 0] - pixels[..., 2]).mean())


def test_photos_restored_and_upscaled_twice_keep_their_names(models, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    grey_photo(photos / "wedding.jpg")
    grey_photo(photos / "street.png", size=(40, 30))
    out = tmp_path / "out"
    assert main([str(photos), "-o", str(out), *models, "--restore", "--upscale", "2"]) == 0
    wedding, street = Image.open(out / "wedding_colorized.png"), Image.open(out / "street_colorized.png")
    assert (wedding.size, street.size) == ((128, 96), (80, 60))
    assert wedding.mode == "RGB" and np.asarray(wedding).std(axis=2).mean() > 1  # coloured


def test_restoration_alone_gives_grey_for_grey_and_colour_for_colour(models, tmp_path):
    grey = grey_photo(tmp_path / "grey.png")
    colour = tmp_path / "faded.png"  # a faded sepia print
    sepia = np.asarray(Image.open(grey), np.float32)[..., None] * [0.5, 0.4, 0.3] + [90, 70, 50]
    Image.fromarray(sepia.astype(np.uint8)).save(colour)
    out = tmp_path / "out"
    assert main([str(grey), str(colour), "-o", str(out), *models, "--restore", "--no-colorize"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["faded_restored.png", "grey_restored.png"]
    restored = Image.open(out / "grey_restored.png")
    assert restored.mode == "L" and restored.size == (64, 48)
    assert Image.open(out / "faded_restored.png").mode == "RGB"


def test_upscale_without_restore_colours_then_enlarges(tiny_model_dir, tmp_path):
    photo = grey_photo(tmp_path / "p.png", size=(40, 30))
    out = tmp_path / "out"
    assert main([str(photo), "-o", str(out), "-m", str(tiny_model_dir), *RF, "--upscale", "4"]) == 0
    assert Image.open(out / "p_colorized.png").size == (160, 120)


@pytest.mark.parametrize("extra, name", [(["--grain", "0.3", "--no-scratches"], "reel_colorized.mp4"),
                                         (["--no-colorize", "--frame-repair"], "reel_restored.mp4")])
def test_films_restored_keep_frames_rate_and_sound(models, tmp_path, capsys, extra, name):
    src = make_clip(tmp_path / "reel.mp4", seconds=1.0, fps="12")
    out = tmp_path / "out"
    assert main([str(src), "-o", str(out), *models, "--restore", "--keyframe-interval", "3", "--upscale", "2",
                 *extra]) == 0
    assert "note: --upscale is for photos: films keep their size" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == [name]
    before, after = probe(src), probe(out / name)
    assert (after.frame_count, after.fps, after.size) == (before.frame_count, before.fps, before.size)
    assert after.audio_codec == "aac" and decode(out / name, "a")[1] == pytest.approx(1.0, abs=0.05)


def test_hints_colour_the_region_they_are_drawn_on(tiny_model_dir, tmp_path):
    photo = grey_photo(tmp_path / "p.png")
    hints = np.zeros((48, 64, 4), np.uint8)  # transparent: no hint
    cv2.circle(hints, (16, 24), 3, (30, 60, 230, 255), -1)  # a blue dot on the disc (the model tints red)
    Image.fromarray(hints).save(tmp_path / "hints.png")
    disc = (10, 18, 22, 30)
    for extra, out in [([], "plain"), (["--hints", str(tmp_path / "hints.png")], "hinted"),
                       (["--hints", str(tmp_path / "hints.png"), "--upscale", "2"], "hinted_x2")]:
        assert main([str(photo), "-o", str(tmp_path / out), "-m", str(tiny_model_dir), *RF, *extra]) == 0
    plain, hinted = (Image.open(tmp_path / out / "p_colorized.png") for out in ("plain", "hinted"))
    assert redness(hinted, disc) < -60 and redness(plain, disc) > 60  # blue where the model gave red
    assert redness(hinted, (48, 0, 64, 48)) == pytest.approx(redness(plain, (48, 0, 64, 48)), abs=3)  # beyond it
    big = Image.open(tmp_path / "hinted_x2" / "p_colorized.png")
    assert big.size == (128, 96) and redness(big, tuple(2 * v for v in disc)) < -60


def test_a_film_hint_on_one_frame_colours_that_shot_from_there(tiny_model_dir, tmp_path):
    src = make_clip(tmp_path / "reel.mp4", [np.full((48, 64), 150, np.uint8)] * 6, fps="12", sound=False)
    hints = np.zeros((48, 64, 4), np.uint8)
    hints[10:38, 10:54] = (40, 60, 230, 255)  # blue
    Image.fromarray(hints).save(tmp_path / "hints.png")
    out = tmp_path / "out"
    assert main([str(src), "-o", str(out), "-m", str(tiny_model_dir), *RF, "--hints", str(tmp_path / "hints.png"),
                 "--hints-frame", "2", "--stabilization", "0", "--keyframe-interval", "1"]) == 0
    from nogan.video.io import FrameReader

    result = out / "reel_colorized.mp4"
    with FrameReader(result, probe(result)) as reader:
        frames = list(reader)
    red = [redness(Image.fromarray(frame), (20, 15, 44, 33)) for frame in frames]
    assert len(red) == 6 and min(red[:2]) > 60 and max(red[2:]) < -40, red  # the model's red, then the hint's blue


def test_reference_palette_is_taken_after_colouring(tiny_model_dir, tmp_path):
    photo = grey_photo(tmp_path / "p.png")
    reference = tmp_path / "sea.png"
    sea = np.zeros((32, 32, 3), np.uint8)
    sea[..., 0], sea[..., 1], sea[..., 2] = 30, np.linspace(60, 140, 32, dtype=np.uint8), 200
    Image.fromarray(sea).save(reference)
    for extra, out in [([], "plain"), (["--reference", str(reference)], "sea")]:
        assert main([str(photo), "-o", str(tmp_path / out), "-m", str(tiny_model_dir), *RF, *extra]) == 0
    plain, blue = (Image.open(tmp_path / out / "p_colorized.png") for out in ("plain", "sea"))
    whole = (0, 0, 64, 48)
    assert redness(plain, whole) > 0 > redness(blue, whole)  # the tiny model tints warm, the sea is blue


@pytest.mark.parametrize("option, message", [
    (["--no-colorize", "--restore", "--hints", "HINTS"], "colour options (hints) need colorize=True"),
    (["--no-colorize"], "colorize=False means restoration alone: it needs restore=True"),
    (["--upscale", "3"], "argument --upscale: invalid choice: 3 (choose from 1, 2, 4)"),
    (["--restore", "--grain", "2"], "grain=2.0 must be True, False or a number from 0 to 1"),
    (["--restore", "--denoise", "5"], "denoise=5.0 must be 'auto', False or a strength from 0 to 4"),
    (["--restore", "--denoise", "strong"], "'strong' is not auto, off or a strength"),
    (["--no-repair", "--no-flicker", "--frame-repair"],
     "restoration steps (flicker, frame_repair, repair) need restore=True"),
    (["--restore", "--no-post-process"], "post_process=False keeps the model's own luminance"),
    (["--hints-frame", "3"], "hints_frame says which frame the hints belong to: it needs hints"),
    (["--hints", "HINTS", "--hints-frame", "3"], "--hints-frame is for films; "),
    (["--hints", "SMALL"], "hints of 32x32 pixels do not match the picture's 64x48"),
    (["SECOND", "--hints", "HINTS"], "--hints are drawn on one photo or film; 2 files were given"),
    (["--reference", "missing.jpg"], "missing.jpg"),
    (["--restore", "--restore-model", "no-such-restorer"], "neither a known restoration model (restore"),
    (["--backend", "spark"], "--backend='spark' is not one of local, ray"),
])
def test_bad_combinations_are_usage_errors_before_any_model_is_loaded(tmp_path, capsys, monkeypatch, option,
                                                                     message):
    monkeypatch.setattr(nogan.job.Job, "load_models", lambda self: pytest.fail("a model was loaded"))
    photo = grey_photo(tmp_path / "p.png")
    Image.new("RGBA", (64, 48)).save(tmp_path / "hints.png")
    Image.new("RGBA", (32, 32)).save(tmp_path / "small.png")
    paths = {"HINTS": tmp_path / "hints.png", "SMALL": tmp_path / "small.png", "SECOND": grey_photo(tmp_path / "q.png"),
             "missing.jpg": tmp_path / "missing.jpg"}
    with pytest.raises(SystemExit) as exit_:
        main([str(photo), *(str(paths.get(o, o)) for o in option), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.startswith("usage: python -m nogan") and message in err, err
    assert not (tmp_path / "out").exists()


def test_the_backend_comes_from_the_environment_and_ray_options_are_checked_first(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(nogan.job.Job, "load_models", lambda self: pytest.fail("a model was loaded"))
    photo = grey_photo(tmp_path / "p.png")
    monkeypatch.setenv("NOGAN_BACKEND", "spark")
    with pytest.raises(SystemExit) as exit_:
        main([str(photo)])
    assert exit_.value.code == 2 and "--backend='spark' is not one of local, ray" in capsys.readouterr().err
    monkeypatch.setenv("NOGAN_BACKEND", "ray")
    with pytest.raises(SystemExit) as exit_:
        main([str(photo), "--batch-size", "0", "-o", str(tmp_path / "out")])
    assert exit_.value.code == 2 and "batch_size=0 must be a positive integer" in capsys.readouterr().err


def test_a_job_pickles_and_gives_its_hints_to_the_film_piece_holding_their_frame():
    job = Job(options={"restore": True, "grain": 0.3, "sharpen": False, "hints": "/h.png", "hints_frame": 50})
    assert pickle.loads(pickle.dumps(job)) == job
    assert job.film_restoration == RestoreOptions(grain=0.3)
    assert job.photo_steps == {"repair": True, "denoise": "auto", "contrast": True, "sharpen": False}
    assert Job().film_restoration is False and not any(Job(options={"upscale": 2}).photo_steps.values())
    assert job.for_frames(0, 100) is job
    piece = job.for_frames(40, 30)
    assert (piece.options["hints"], piece.options["hints_frame"]) == ("/h.png", 10)
    assert job.for_frames(0, 40).options["hints"] is None and job.for_frames(70, 30).options["hints"] is None


def test_the_ray_backend_restores_into_the_same_files(local_ray, models, tmp_path):  # noqa: F811
    photos = tmp_path / "photos"
    photos.mkdir()
    grey_photo(photos / "wedding.jpg")
    options = [str(photos), *models, "--restore", "--upscale", "2"]
    assert main([*options, "-o", str(tmp_path / "local")]) == 0
    assert main([*options, "-o", str(tmp_path / "ray"), "--backend", "ray", "--batch-size", "1"]) == 0
    local, on_ray = (np.asarray(Image.open(tmp_path / out / "wedding_colorized.png"), np.int16)
                     for out in ("local", "ray"))
    assert local.shape == on_ray.shape == (96, 128, 3) and np.abs(local - on_ray).max() <= 1
    assert (tmp_path / "ray" / "manifest.csv").read_text().count(",done,") == 1
