"""Colour hints: a person's colours spread over their region, stop at edges, carry along a shot."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from nogan.hints import apply_hints, draw_hints, load_hints
from nogan.palette import transfer_palette
from nogan.video import colorize_video, probe
from nogan.video.io import FrameReader
from nogan.video.keyframes import KeyframeColorizer
from test_video import make_clip

BLUE = (40, 90, 220)
TINT = (-14, 18)  # the stand-in model's chroma: U, V offsets from grey, a warm orange


def two_regions(width: int = 120, height: int = 80, shift: int = 0, seed: int = 0) -> np.ndarray:
    """A dark textured region on the left, a bright one on the right: a strong edge between (grey, H x W).

    `shift` pans the camera right by that many pixels: the picture (edge included) moves left.
    """
    rng = np.random.default_rng(seed)
    texture = cv2.GaussianBlur(rng.normal(0, 1, (height, width + 64)).astype(np.float32), (0, 0), 3)
    canvas = np.where(np.arange(width + 64)[None, :] < width // 2, 100, 200) + texture / texture.std() * 8
    return np.clip(canvas[:, shift:shift + width], 0, 255).astype(np.uint8)


def tinted(grey: np.ndarray) -> np.ndarray:
    """The stand-in model's output: the grey picture with a uniform warm chroma (RGB uint8)."""
    yuv = np.dstack([grey, np.full_like(grey, 128 + TINT[0]), np.full_like(grey, 128 + TINT[1])])
    return cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB)


def uv(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.asarray(rgb, dtype=np.uint8), cv2.COLOR_RGB2YUV)[:, :, 1:].astype(float)


def rgb(grey: np.ndarray) -> Image.Image:
    return Image.fromarray(grey).convert("RGB")


class TintColorizer:
    """A stand-in model for the keyframe machinery: every frame gets the same warm chroma."""

    device = torch.device("cpu")

    def __init__(self):
        self.frames = 0

    def colorize_batch(self, frames, render_factor=None, post_process=True):
        self.frames += len(frames)
        return [tinted(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)) for f in frames]


def test_hint_colours_its_region_and_never_crosses_a_strong_edge():
    grey = two_regions()
    prior = tinted(grey)
    hints = draw_hints(rgb(grey).size, points=[((20, 40), BLUE)], radius=2)
    out = np.asarray(apply_hints(rgb(grey), Image.fromarray(prior), hints))
    want, before, after = uv(np.full((1, 1, 3), BLUE, np.uint8))[0, 0], uv(prior), uv(out)
    left, right = slice(0, 56), slice(64, 120)  # the regions, less the few pixels at the edge
    # the whole left region turns to the hint's colour, even its far corners
    assert np.abs(after[:, left] - want).max(axis=2).mean() < 6
    assert np.abs(after[:, left] - want).max() < 25
    # the right region, across the edge, keeps the model's colour
    assert np.abs(after[:, right] - before[:, right]).max() <= 3
    # luminance is the photo's own
    assert np.abs(cv2.cvtColor(out, cv2.COLOR_RGB2GRAY).astype(int) - grey).max() <= 2


def test_hints_in_both_regions_each_stay_in_theirs():
    grey = two_regions()
    hints = draw_hints(rgb(grey).size, points=[((20, 40), BLUE), ((100, 40), (140, 205, 140))])
    after = uv(apply_hints(rgb(grey), Image.fromarray(tinted(grey)), hints))
    assert np.abs(after[:, :56] - uv(np.full((1, 1, 3), BLUE, np.uint8))[0, 0]).max(axis=2).mean() < 6
    assert np.abs(after[:, 64:] - uv(np.full((1, 1, 3), (140, 205, 140), np.uint8))[0, 0]).max(axis=2).mean() < 6


def test_no_hints_leave_the_picture_unchanged():
    grey = two_regions()
    prior = Image.fromarray(tinted(grey))
    empty = Image.new("RGBA", prior.size, (255, 0, 0, 0))  # colour without alpha is no hint
    assert np.array_equal(np.asarray(apply_hints(rgb(grey), prior, empty)), np.asarray(prior))


def test_large_pictures_are_worked_small_and_keep_edges():
    grey = cv2.resize(two_regions(), (960, 640), interpolation=cv2.INTER_NEAREST)
    hints = draw_hints((960, 640), strokes=[([(100, 300), (200, 340)], BLUE)], radius=6)
    after, before = uv(apply_hints(rgb(grey), Image.fromarray(tinted(grey)), hints)), uv(tinted(grey))
    assert np.abs(after[:, :460] - uv(np.full((1, 1, 3), BLUE, np.uint8))[0, 0]).max(axis=2).mean() < 6
    assert np.abs(after[:, 500:] - before[:, 500:]).max() <= 3


@pytest.mark.parametrize("bad, error", [
    (Image.new("RGBA", (10, 10)), "do not match"),
    (Image.new("RGB", (120, 80)), "must be an RGBA picture"),
    (np.zeros((80, 120, 3), np.uint8), "H x W x 4"),
    (42, "not int"),
])
def test_hints_are_checked(bad, error):
    with pytest.raises(ValueError, match=error):
        load_hints(bad, (120, 80))


def test_hints_from_a_png_file(tmp_path):
    draw_hints((120, 80), points=[((5, 5), "red")]).save(tmp_path / "hints.png")
    hints = load_hints(tmp_path / "hints.png", (120, 80))
    assert hints.shape == (80, 120, 4) and tuple(hints[5, 5]) == (255, 0, 0, 255) and hints[40, 60, 3] == 0
    Image.new("RGB", (120, 80)).save(tmp_path / "opaque.png")
    with pytest.raises(ValueError, match="must be an RGBA picture"):
        load_hints(tmp_path / "opaque.png", (120, 80))
    with pytest.raises(ValueError, match="not a picture we can read"):
        load_hints(tmp_path / "missing.png", (120, 80))


def test_draw_hints_points_and_strokes():
    hints = np.asarray(draw_hints((100, 60), points=[((10, 10), "#00ff00")],
                                  strokes=[([(30, 30), (70, 30), (70, 50)], (0, 0, 255))], radius=2))
    assert tuple(hints[10, 10]) == (0, 255, 0, 255) and tuple(hints[10, 13]) == (0, 0, 0, 0)
    assert all(tuple(hints[y, x]) == (0, 0, 255, 255) for x, y in [(30, 30), (50, 31), (70, 30), (70, 50), (71, 40)])
    assert (hints[:, :, 3] > 0).sum() < 400  # thin lines, not filled shapes
    with pytest.raises(ValueError, match="colour="):
        draw_hints((10, 10), points=[((1, 1), (300, 0, 0))])


def test_palette_transfer_moves_the_mean_chroma_towards_the_reference():
    grey = two_regions()
    picture = Image.fromarray(tinted(grey))  # warm
    reference = Image.fromarray(np.full((50, 70, 3), (60, 110, 200), np.uint8))  # blue
    moved = transfer_palette(picture, reference)
    start, end, goal = uv(picture).mean(axis=(0, 1)), uv(moved).mean(axis=(0, 1)), uv(reference).mean(axis=(0, 1))
    assert np.linalg.norm(end - goal) < 0.5 * np.linalg.norm(start - goal)
    assert np.abs(cv2.cvtColor(np.asarray(moved), cv2.COLOR_RGB2GRAY).astype(int) - grey).max() <= 3
    assert np.array_equal(np.asarray(transfer_palette(picture, reference, strength=0.0)), np.asarray(picture))
    with pytest.raises(ValueError, match="strength=2"):
        transfer_palette(picture, reference, strength=2)


def test_colorize_with_hints(tiny_colorizer):
    grey = rgb(two_regions())
    plain = np.asarray(tiny_colorizer.colorize(grey, 4))
    hints = draw_hints(grey.size, points=[((20, 40), BLUE)], radius=2)
    hinted = np.asarray(tiny_colorizer.colorize(grey, 4, hints=hints))
    assert hinted.shape == plain.shape
    assert np.abs(uv(hinted)[:, :56] - uv(np.full((1, 1, 3), BLUE, np.uint8))[0, 0]).max(axis=2).mean() < 8
    assert np.abs(uv(hinted)[:, 64:] - uv(plain)[:, 64:]).max() <= 3
    with pytest.raises(ValueError, match="do not match"):
        tiny_colorizer.colorize(grey, hints=Image.new("RGBA", (10, 10)))
    frames = [np.asarray(grey)] * 2
    batch = tiny_colorizer.colorize_batch(frames, 4, hints=[hints, None])
    assert uv(batch[0])[40, 10, 1] < uv(batch[1])[40, 10, 1] - 20  # blue: lower V than the warm tint
    with pytest.raises(ValueError, match="one per frame"):
        tiny_colorizer.colorize_batch(frames, hints=[hints])


def shot_with_cut(count: int = 8, cut: int = 6) -> list[np.ndarray]:
    """A slow pan over two regions, then a cut to a different picture (mirrored: bright left)."""
    frames = [two_regions(shift=2 * i) for i in range(cut)]
    frames += [np.ascontiguousarray(two_regions(seed=1)[:, ::-1]) for _ in range(count - cut)]
    return [cv2.cvtColor(f, cv2.COLOR_GRAY2RGB) for f in frames]


@pytest.mark.parametrize("interval", [1, 2, 3])
def test_hints_carry_along_the_shot_and_stop_at_a_cut(interval):
    frames = shot_with_cut()
    hints = np.asarray(draw_hints((120, 80), points=[((20, 40), BLUE)], radius=2))
    keyframes = KeyframeColorizer(TintColorizer(), 4, interval, hints=hints)
    done = keyframes(frames[:5]) + keyframes(frames[5:]) + keyframes.finish()
    assert [s.tobytes() for s, _ in done] == [f.tobytes() for f in frames]
    want = uv(np.full((1, 1, 3), BLUE, np.uint8))[0, 0]
    for i, (_, out) in enumerate(done):
        after, prior = uv(out), uv(tinted(cv2.cvtColor(frames[i], cv2.COLOR_RGB2GRAY)))
        if i < 6:  # the hinted shot: the dark left region blue, the bright right as the model had it
            assert np.abs(after[:, 4:44] - want).max(axis=2).mean() < 8, i
            assert np.abs(after[:, 68:] - prior[:, 68:]).max(axis=2).mean() < 2, i
        else:  # after the cut: the model's colour everywhere
            assert np.abs(after - prior).max(axis=2).mean() < 2, i


def test_hints_on_a_later_frame_make_it_a_keyframe():
    frames = shot_with_cut()
    hints = np.asarray(draw_hints((120, 80), points=[((20, 40), BLUE)], radius=2))
    model = TintColorizer()
    keyframes = KeyframeColorizer(model, 4, 4, hints=hints, hints_frame=2)
    done = keyframes(frames) + keyframes.finish()
    assert model.frames == 3  # frame 0, the hinted frame 2, the cut at 6
    prior = uv(tinted(cv2.cvtColor(frames[0], cv2.COLOR_RGB2GRAY)))
    assert np.abs(uv(done[0][1]) - prior).max() <= 2  # before the hinted frame: the model's colour
    want = uv(np.full((1, 1, 3), BLUE, np.uint8))[0, 0]
    assert np.abs(uv(done[2][1])[:, 4:44] - want).max(axis=2).mean() < 8
    with pytest.raises(ValueError, match="hints_frame=-1"):
        KeyframeColorizer(model, 4, 2, hints=hints, hints_frame=-1)


def test_colorize_video_with_hints(tiny_colorizer, tmp_path):
    frames = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in shot_with_cut(8, 8)]
    src = make_clip(tmp_path / "in.mp4", frames, sound=False)
    hints = draw_hints((120, 80), points=[((20, 40), BLUE)], radius=3)
    with pytest.raises(ValueError, match="do not match"):
        colorize_video(src, tmp_path / "bad.mp4", tiny_colorizer, 4, hints=Image.new("RGBA", (64, 48)))
    result = colorize_video(src, tmp_path / "out.mp4", tiny_colorizer, 4, hints=hints)
    with FrameReader(result.path, probe(result.path)) as reader:
        out = reader.read(100)
    assert len(out) == 8
    want = uv(np.full((1, 1, 3), BLUE, np.uint8))[0, 0]
    for frame in (out[0], out[-1]):  # blue on the first frame and still at the end of the shot
        assert np.abs(uv(frame)[10:70, 8:40] - want).max(axis=2).mean() < 12
