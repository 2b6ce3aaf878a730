"""`python -m nogan` on files and folders: names, recursion, failures, exit codes."""
from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import nogan.colorizer
from nogan.cli import PRECISION_CHOICES, main
from nogan.device import PRECISIONS

from conftest import REPO


def _photo(path, seed=0, size=(48, 32)):
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, size[::-1], dtype=np.uint8)).save(path)
    return path


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_folder_is_coloured_recursively_and_inputs_untouched(tiny_model_dir, tmp_path):
    photos = tmp_path / "photos"
    (photos / "1950s").mkdir(parents=True)
    a = _photo(photos / "wedding.jpg")
    b = _photo(photos / "1950s" / "street.png", seed=1, size=(40, 30))
    before = {p: _digest(p) for p in (a, b)}
    out = tmp_path / "out"
    assert main([str(photos), "-o", str(out), "-m", str(tiny_model_dir), "--precision", "fp32", "-r", "4"]) == 0
    assert Image.open(out / "wedding_colorized.png").size == (48, 32)
    assert Image.open(out / "1950s" / "street_colorized.png").size == (40, 30)
    assert {p: _digest(p) for p in (a, b)} == before


def test_unreadable_file_is_reported_skipped_and_fails_the_exit_code(tiny_model_dir, tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    _photo(photos / "good.png")
    (photos / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    out = photos / "colorized"  # inside the input folder: its outputs must not be fed back in
    args = [str(photos), "-o", str(out), "-m", str(tiny_model_dir), "--precision", "fp32", "-r", "4"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "skipped" in err and "broken.jpg" in err and "1 of 2 coloured" in err
    assert sorted(p.name for p in out.iterdir()) == ["good_colorized.png"]
    assert main(args) == 1  # a second run sees the same two inputs, not its own outputs
    assert "1 of 2 coloured" in capsys.readouterr().err


def test_usage_errors(tmp_path, capsys):
    assert main([str(tmp_path / "missing.jpg")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([str(empty)]) == 2
    assert f"no images or videos in {empty} (looked for .avi .bmp" in capsys.readouterr().err


@pytest.mark.parametrize("option, message", [
    (["-r", "0"], "render_factor=0 must be an integer from 1 to 100"),
    (["-r", "101"], "render_factor=101 must be an integer from 1 to 100"),
    (["-m", "no-such-model.pth"], "neither a known model (artistic, stable, video"),
    (["--stabilization", "2"], "--stabilization 2.0 must be from 0 (off) to 1"),
    (["--keyframe-interval", "0"], "--keyframe-interval 0 must be 1 (every frame) or more"),
    (["--device", "gpu7"], "gpu7"),
])
def test_bad_options_are_usage_errors_before_any_model_is_loaded(tmp_path, capsys, monkeypatch, option, message):
    monkeypatch.setattr(nogan.colorizer, "load_colorizer", lambda *a, **k: pytest.fail("the model was loaded"))
    with pytest.raises(SystemExit) as exit_:
        main([str(_photo(tmp_path / "p.png")), *option])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.startswith("usage: python -m nogan") and message in err


def test_output_folder_same_as_input_folder_says_so(tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    _photo(photos / "wedding.jpg")
    assert main([str(photos), "-o", str(photos)]) == 2
    err = capsys.readouterr().err
    assert f"the output folder {photos} is the input folder {photos}" in err and "choose another with -o" in err
    assert [p.name for p in photos.iterdir()] == ["wedding.jpg"]


def test_an_input_folder_inside_the_output_folder_is_searched(tiny_model_dir, tmp_path, monkeypatch):
    (tmp_path / "photos").mkdir()
    _photo(tmp_path / "photos" / "wedding.jpg")
    monkeypatch.chdir(tmp_path)
    assert main(["photos", "-o", ".", "-m", str(tiny_model_dir), "--precision", "fp32", "-r", "4"]) == 0
    assert (tmp_path / "wedding_colorized.png").is_file()


def test_help_is_quick_because_pytorch_is_not_imported_for_it():
    code = ("import runpy, sys\nsys.argv = ['nogan', '--help']\n"
            "try:\n    runpy.run_module('nogan', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print('torch' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert "--allow-truncated" in run.stdout and run.stdout.split()[-1] == "False"
    assert sorted(PRECISION_CHOICES) == sorted(PRECISIONS)


def test_module_entry_point(tiny_model_dir, tmp_path):
    photo = _photo(tmp_path / "p.png")
    run = subprocess.run([sys.executable, "-m", "nogan", str(photo), "-o", str(tmp_path / "o"),
                          "-m", str(tiny_model_dir), "-r", "4"], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "o" / "p_colorized.png").is_file()


def test_video_through_the_cli(tiny_model_dir, tmp_path):
    """A film in a folder comes out as <name>_colorized.mp4 with every frame."""
    from nogan.video import probe
    from nogan.video.probe import ffmpeg_exe

    films = tmp_path / "films"
    films.mkdir()
    src = films / "reel.avi"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1",
                    "-vf", "format=gray", "-c:v", "mjpeg", str(src)], check=True)
    out = tmp_path / "out"
    assert main([str(films), "-o", str(out), "-m", str(tiny_model_dir), "--precision", "fp32", "-r", "4",
                 "--keyframe-interval", "3"]) == 0
    info = probe(out / "reel_colorized.mp4")
    assert info.frame_count == 10 and info.size == (64, 48)
