"""Film restoration: synthetic clips where each defect is known, and the streamed pipeline end to end."""
from __future__ import annotations

import os
import threading

import cv2
import numpy as np
import pytest
import torch
from test_video import RF, decode, ffmpeg_children, make_clip, one_torch_thread  # noqa: F401  (fixture)

from nogan.restore import Restorer
from nogan.restore.damage_net import DamageNet, DamageNetConfig
from nogan.video import FilmRestorer, RestoreOptions, VideoCancelled, colorize_video, probe, restore_video
from nogan.video.io import FrameReader
from nogan.video.restore import LOOKAHEAD

SIZE = (128, 96)  # width, height
ONLY = {  # one stage at a time
    "dust": RestoreOptions(dust=True, scratches=False, flicker=False, grain=False),
    "scratches": RestoreOptions(dust=False, scratches=True, flicker=False, grain=False),
    "flicker": RestoreOptions(dust=False, scratches=False, flicker=True, grain=False),
}


def texture(seed: int, size=(200, 160), level: float = 128.0) -> np.ndarray:
    """A smooth random picture (float32), larger than SIZE so that a pan can move over it."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0, 1, size[::-1]).astype(np.float32), (0, 0), 3)
    return np.clip(level + noise * (40 / noise.std()), 0, 255).astype(np.float32)


def pan(picture: np.ndarray, frames: int, step: float = 1.5) -> list[np.ndarray]:
    """Frames of SIZE moving `step` pixels a frame to the right over `picture` (float32 grey)."""
    return [cv2.warpAffine(picture, np.float32([[1, 0, 10 + step * t], [0, 1, 10 + 0.5 * t]]), SIZE,
                           flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP) for t in range(frames)]


def restore(frames: list[np.ndarray], options: RestoreOptions = RestoreOptions()) -> list[np.ndarray]:
    """Grey float frames through a `FilmRestorer`, two at a time; grey float frames back."""
    restorer = FilmRestorer(options)
    rgb = [np.repeat(np.clip(f + 0.5, 0, 255).astype(np.uint8)[..., None], 3, axis=2) for f in frames]
    out = []
    for start in range(0, len(rgb), 2):
        out += restorer(rgb[start:start + 2])
    out += restorer.finish()
    assert len(out) == len(frames)
    return [f[..., 0].astype(np.float32) for f in out]


def test_window_runs_lookahead_frames_behind_and_finish_returns_the_rest():
    restorer = FilmRestorer()
    frames = [np.full((SIZE[1], SIZE[0], 3), 100, np.uint8) for _ in range(5)]
    counts = [len(restorer([frame])) for frame in frames]
    assert counts == [0] * LOOKAHEAD + [1] * (5 - LOOKAHEAD)
    assert len(restorer.finish()) == LOOKAHEAD and restorer.finish() == []


def test_single_frame_blotches_are_removed():
    rng = np.random.default_rng(1)
    clean = pan(texture(0), 10)
    damaged, masks = [], []
    for t, frame in enumerate(clean):
        frame, mask = frame.copy(), np.zeros(frame.shape, np.uint8)
        if 0 < t < len(clean) - 1:  # the ends have one neighbour only
            for _ in range(4):
                centre = int(rng.integers(10, SIZE[0] - 10)), int(rng.integers(10, SIZE[1] - 10))
                cv2.circle(mask, centre, int(rng.integers(2, 4)), 1, -1)
            frame[mask > 0] = 250 if t % 2 else 5
        damaged.append(frame)
        masks.append(mask > 0)
    out = restore(damaged, ONLY["dust"])
    hit = np.concatenate([np.abs(o - c)[m] for o, c, m in zip(out, clean, masks)])
    assert (hit < 20).mean() > 0.8
    untouched = np.concatenate([np.abs(o - c)[~m] for o, c, m in zip(out, clean, masks)])
    assert np.percentile(untouched, 99) < 6  # the rest of the picture is left as it was


def test_a_small_fast_object_is_not_taken_for_dust():
    clean = pan(texture(2, level=90), 10, step=1.0)
    objects = []
    for t, frame in enumerate(clean):
        mask = np.zeros(frame.shape, bool)
        mask[40:46, 8 + 11 * t:14 + 11 * t] = True  # 11 px a frame: far more than the flow follows
        frame[mask] = 240
        objects.append(mask)
    out = restore(clean)
    for t, (o, c, m) in enumerate(zip(out, clean, objects, strict=True)):  # the shot's first and last too
        assert np.abs(o - c)[m].mean() < 15, t


def test_line_scratches_are_removed_and_a_real_edge_stays_sharp():
    picture = texture(3, level=90)
    picture[:, 100:] += 60  # a vertical step edge in the picture
    picture = np.clip(picture, 0, 190)  # nothing clips, scratch included
    clean = pan(picture, 12, step=0.0)  # a still shot: the edge and the scratch both stay put
    rng = np.random.default_rng(3)
    damaged, lines, x = [], [], 40.0
    for frame in clean:
        x += rng.uniform(-0.7, 0.7)  # the scratch wanders
        line = np.zeros(frame.shape, bool)
        line[:, int(round(x)):int(round(x)) + 2] = True
        damaged.append(np.where(line, frame + 60, frame))
        lines.append(line)
    out = restore(damaged, ONLY["scratches"])
    error = lambda frames: np.mean([np.abs(f - c)[line].mean()  # noqa: E731
                                    for f, c, line in zip(frames[2:-2], clean[2:-2], lines[2:-2])])
    assert error(out) < error(damaged) / 2  # on this busy texture
    for o, c in zip(out[2:-2], clean[2:-2]):
        edge = np.abs(np.diff(o[:, 88:96], axis=1)).max(axis=1).mean()
        assert edge > 0.9 * np.abs(np.diff(c[:, 88:96], axis=1)).max(axis=1).mean()
        assert np.abs(o - c)[:, 60:].max() < 1  # away from the scratch nothing changes


def test_flicker_is_reduced():
    rng = np.random.default_rng(4)
    clean = pan(texture(4), 16)
    flickering = [f * rng.uniform(0.85, 1.15) + rng.uniform(-10, 10) for f in clean]
    out = restore(flickering, ONLY["flicker"])
    jitter = lambda frames: np.std(np.diff([f.mean() for f in frames]))  # noqa: E731
    assert jitter(out) < 0.5 * jitter(flickering)


def test_a_scene_cut_never_blends_two_shots():
    first, second = pan(texture(5, level=60), 6), pan(texture(6, level=190), 6)
    restorer = FilmRestorer()
    frames = [np.repeat(np.clip(f, 0, 255).astype(np.uint8)[..., None], 3, axis=2) for f in first + second]
    out = restorer(frames) + restorer.finish()
    assert restorer.cuts == 1
    for source, result in zip(frames[5:7], out[5:7]):  # the last of one shot, the first of the next
        assert abs(float(result.mean()) - float(source.mean())) < 3


def test_options_are_checked():
    with pytest.raises(ValueError, match="grain"):
        RestoreOptions(grain=2)
    with pytest.raises(ValueError, match="dust"):
        RestoreOptions(dust="yes")
    assert not RestoreOptions(dust=False, scratches=False, flicker=False, grain=False).any


def test_restore_video_keeps_frames_rate_and_sound(tmp_path):
    src = make_clip(tmp_path / "in.mp4", seconds=1.5, size=(96, 64))
    calls = []
    result = restore_video(src, tmp_path / "out.mp4", batch_size=4, progress=lambda *a: calls.append(a))
    info = probe(result.path)
    assert result.frames == 36 and decode(result.path) == (36, pytest.approx(1.5, abs=0.05))
    assert info.fps == probe(src).fps and result.audio == "copy" and result.model_frames == 0
    assert decode(result.path, "a")[1] == pytest.approx(1.5, abs=0.05)
    assert calls[-1][:2] == (36, 36) and [c[0] for c in calls] == sorted(c[0] for c in calls)
    with FrameReader(result.path, info) as reader:  # the test pattern's colours are kept
        frame = reader.read(1)[0].astype(int)
    assert np.abs(frame[..., 0] - frame[..., 2]).mean() > 20


@pytest.mark.parametrize("colour", [False, True])
def test_cancel_stops_and_leaves_nothing(tiny_colorizer, tmp_path, colour):
    src = make_clip(tmp_path / "in.mp4", seconds=2, size=(96, 64))
    event = threading.Event()
    with pytest.raises(VideoCancelled):
        if colour:
            colorize_video(src, tmp_path / "out.mp4", tiny_colorizer, RF, batch_size=1, restore=True,
                           progress=lambda *a: event.set(), cancel=event)
        else:
            restore_video(src, tmp_path / "out.mp4", batch_size=2, progress=lambda *a: event.set(), cancel=event)
    assert os.listdir(tmp_path) == ["in.mp4"] and ffmpeg_children() == []


def test_colorize_video_restores_then_colours(tiny_colorizer, tmp_path):
    frames = [np.clip(f, 0, 255).astype(np.uint8) for f in pan(texture(7), 20)]
    for t in range(2, 18, 3):
        cv2.circle(frames[t], (60, 50), 3, 255, -1)  # dust on single frames
    src = make_clip(tmp_path / "in.mp4", frames)
    plain = colorize_video(src, tmp_path / "plain.mp4", tiny_colorizer, RF)
    restored = colorize_video(src, tmp_path / "restored.mp4", tiny_colorizer, RF,
                              restore=RestoreOptions(grain=0.3))
    assert restored.frames == plain.frames == 20 and restored.audio == "copy"
    with FrameReader(restored.path, probe(restored.path)) as reader:
        out = reader.read(20)
    yuv = cv2.cvtColor(out[5], cv2.COLOR_RGB2YUV).astype(int)
    assert np.abs(yuv[..., 1:] - 128).mean() > 2  # coloured
    assert max(int(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)[48:53, 58:63].mean()) for f in out[2:18:3]) < 200  # dust gone
    with pytest.raises(ValueError, match="restore"):
        colorize_video(src, tmp_path / "bad.mp4", tiny_colorizer, RF, restore="yes")


class DarkIsDamage(DamageNet):
    """A damage model that marks the near-black pixels of a frame: what it finds is known."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (0.2 - x) * 200


def test_photo_repair_removes_damage_that_stays_in_place():
    # a blotch on the same place of every frame of a still shot: the temporal stages take it for the picture
    clean = cv2.normalize(texture(3)[:SIZE[1], :SIZE[0]], None, 100, 200, cv2.NORM_MINMAX)
    damaged = clean.copy()
    damaged[40:46, 50:58] = 10
    frames = [damaged] * 5
    temporal = restore(frames, RestoreOptions(flicker=False, grain=False))
    photo = FilmRestorer(RestoreOptions(dust=False, scratches=False, flicker=False, grain=False, photo=True),
                         Restorer(DarkIsDamage(DamageNetConfig.tiny()), device="cpu", precision="fp32"))
    rgb = [np.repeat(f.astype(np.uint8)[..., None], 3, axis=2) for f in frames]
    repaired = [f[..., 0].astype(np.float32) for f in photo(rgb) + photo.finish()]
    blotch = (slice(40, 46), slice(50, 58))
    assert all(np.abs(f[blotch] - clean[blotch]).mean() > 80 for f in temporal)
    assert all(np.abs(f[blotch] - clean[blotch]).mean() < 25 for f in repaired)
    outside = np.ones(damaged.shape, bool)
    outside[38:48, 48:60] = False
    assert all(np.abs(f - damaged)[outside].max() <= 1 for f in repaired)
