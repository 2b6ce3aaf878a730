"""Film restoration, step by step on synthetic clips: flicker against fades, the gate's edge, dust on
busy texture, and chained alignments."""
from __future__ import annotations

import cv2
import numpy as np
from test_video_restore import ONLY, SIZE, pan, restore, texture

from nogan.video.restore.motion import Alignment


def frame_means(frames: list[np.ndarray]) -> np.ndarray:
    return np.array([f.mean() for f in frames])


def test_flicker_is_flattened_and_a_fade_is_kept():
    rng = np.random.default_rng(4)
    fading = [f * float(np.clip(1 - 0.02 * (t - 5), 0.4, 1)) for t, f in enumerate(pan(texture(4), 40))]
    flickering = [f * rng.uniform(0.9, 1.1) + rng.uniform(-6, 6) for f in fading]
    out = restore(flickering, ONLY["flicker"])
    clean, damaged, restored = frame_means(fading), frame_means(flickering), frame_means(out)
    jitter = lambda means: np.std(np.diff(means, 2))  # noqa: E731  (a fade's steady slope is no jitter)
    assert jitter(restored) < 0.25 * jitter(damaged)
    # the fade (a third of the way down in a second and a bit) is followed, not flattened
    assert restored[:5].mean() - restored[-5:].mean() > 0.85 * (clean[:5].mean() - clean[-5:].mean())
    assert abs(restored[-5:].mean() - clean[-5:].mean()) < 8


def test_a_steady_shot_is_left_as_it_is():
    frames = pan(texture(7), 12)
    out = restore(frames, ONLY["flicker"])
    assert np.abs(frame_means(out) - frame_means(frames)).max() < 1


def test_the_gate_edge_is_not_taken_for_a_scratch():
    picture = texture(8, level=120)
    frames = pan(picture, 10, step=0.0)
    for frame in frames:
        frame[:, -3:-1] = 10  # the frame line: a thin dark line along the edge, on every frame
    out = restore(frames, ONLY["scratches"])
    for o, f in zip(out, frames):
        assert np.abs(o - f)[:, -8:].max() < 1


def test_dust_among_bright_specks_of_the_picture_is_removed():
    # gravel: many small bright stones, still; dust looks like them but sits on one frame only
    rng = np.random.default_rng(9)
    picture = texture(10, level=80)
    for _ in range(300):
        centre = int(rng.integers(0, picture.shape[1])), int(rng.integers(0, picture.shape[0]))
        cv2.ellipse(picture, centre, (3, 1), float(rng.uniform(0, 180)), 0, 360, 200, -1)
    clean = [f + rng.normal(0, 3, f.shape).astype(np.float32) for f in pan(picture, 7, step=0.0)]
    damaged, masks = [f.copy() for f in clean], []
    for t in range(1, 6):
        mask = np.zeros(clean[t].shape, np.uint8)
        for _ in range(3):
            centre = int(rng.integers(10, SIZE[0] - 10)), int(rng.integers(10, SIZE[1] - 10))
            cv2.ellipse(mask, centre, (3, 1), float(rng.uniform(0, 180)), 0, 360, 1, -1)
        damaged[t][mask > 0] = 200
        masks.append(mask > 0)
    out = restore(damaged, ONLY["dust"])
    error = np.concatenate([np.abs(o - c)[m] for o, c, m in zip(out[1:6], clean[1:6], masks)])
    assert (error < 30).mean() > 0.8


def test_alignments_chain():
    height, width = 6, 8
    grid = np.indices((height, width), dtype=np.float32)[::-1].transpose(1, 2, 0)
    ones = np.ones((height, width), np.float32)
    shift = lambda dx, dy: Alignment(grid + np.float32([dx, dy]), ones)  # noqa: E731
    both = shift(1, 0).then(shift(0, 2))
    assert np.allclose(both.where[1:3, 1:5], (grid + np.float32([1, 2]))[1:3, 1:5])
    assert both.reliable.min() == 1
