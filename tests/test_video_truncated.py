"""Films cut off part-way (an interrupted download or copy), and files left open by the pipeline."""
from __future__ import annotations

import gc
import subprocess
import warnings

import pytest

from nogan.video import TruncatedVideoError, colorize_video, probe
from nogan.video.probe import ffmpeg_exe

FRAMES = 40


@pytest.fixture(scope="module")
def films(tmp_path_factory):
    """A complete MP4 of FRAMES frames with its index in front, and its first 60 %."""
    folder = tmp_path_factory.mktemp("films")
    full = folder / "full.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    f"testsrc=size=64x48:rate=10:duration={FRAMES / 10}", "-vf", "format=gray", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", "-g", "10", "-movflags", "+faststart", str(full)], check=True)
    half = folder / "half.mp4"
    data = full.read_bytes()
    half.write_bytes(data[:len(data) * 6 // 10])
    return full, half


def test_a_truncated_film_is_an_error_that_says_how_much_could_be_read(films, tiny_colorizer, tmp_path):
    _, half = films
    assert probe(half).frame_count == FRAMES  # the container still declares the whole film
    dst = tmp_path / "out.mp4"
    expected = rf"half.mp4: the file ends early: \d+ of {FRAMES} frames could be read"
    with pytest.raises(TruncatedVideoError, match=expected) as error:
        colorize_video(half, dst, tiny_colorizer, 4)
    assert 0 < error.value.frames < FRAMES and error.value.declared == FRAMES
    assert list(tmp_path.iterdir()) == []  # neither the output nor its temporary file


def test_allow_truncated_colours_what_can_be_read_and_notes_it(films, tiny_colorizer, tmp_path):
    _, half = films
    result = colorize_video(half, tmp_path / "out.mp4", tiny_colorizer, 4, allow_truncated=True)
    assert 0 < result.frames < FRAMES and result.frames_declared == FRAMES
    assert probe(result.path).frame_count == result.frames
    assert f"the file ends early: {result.frames} of {FRAMES} frames could be read and were coloured" in result.notes


def test_a_complete_film_leaves_no_file_open(films, tiny_colorizer, tmp_path):
    full, _ = films
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ResourceWarning raised in __del__ is reported as unraisable
        unraisable = []
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("sys.unraisablehook", unraisable.append)
            result = colorize_video(full, tmp_path / "out.mp4", tiny_colorizer, 4)
            gc.collect()
    assert result.frames == FRAMES and result.frames_declared is None and result.notes == ()
    assert [str(u.exc_value) for u in unraisable] == []
