"""Film restoration of repeated frames (pulldown): found as they come, never in a still grainy shot,
stepped over as neighbours, and output as their original restored."""
from __future__ import annotations

import cv2
import numpy as np
from test_video_restore import pan, restore, texture

from nogan.video.restore.repeats import RepeatDetector


def grainy(frames: list[np.ndarray], seed: int, sigma: float = 3.0) -> list[np.ndarray]:
    """Each frame with its own grain."""
    rng = np.random.default_rng(seed)
    return [f + rng.normal(0, sigma, f.shape).astype(np.float32) for f in frames]


def repeat(frames: list[np.ndarray], t: int, seed: int) -> list[np.ndarray]:
    """The clip with frame `t` replaced by frame t - 1 again, give or take a level of compression noise."""
    rng = np.random.default_rng(seed)
    out = list(frames)
    out[t] = frames[t - 1] + rng.integers(-1, 2, frames[t - 1].shape) * (rng.random(frames[t - 1].shape) < 0.3)
    return out


def found(frames: list[np.ndarray]) -> list[int]:
    detector = RepeatDetector()
    return [t for t, f in enumerate(frames) if detector(f.astype(np.float32), False)]


def test_a_still_grainy_shot_has_no_repeats_and_a_repeat_in_it_is_found():
    still = grainy(pan(texture(1), 12, step=0.0), seed=2)
    assert found(still) == []
    assert found(repeat(still, 6, seed=3)) == [6]
    faint = grainy(pan(texture(1), 12, step=0.0), seed=4, sigma=1.0)  # little grain: still no repeats
    assert found(faint) == []


def test_pulldown_repeats_are_found_in_a_moving_shot():
    clip = grainy(pan(texture(5), 16), seed=6)
    for t in (3, 8, 13):
        clip = repeat(clip, t, seed=t)
    assert found(clip) == [3, 8, 13]


def test_dust_on_a_repeated_pair_is_removed_from_both_and_they_stay_identical():
    clean = grainy(pan(texture(7), 10), seed=8)
    clip = repeat(clean, 5, seed=9)
    mask = np.zeros(clip[0].shape, np.uint8)
    for centre in ((40, 30), (90, 60)):
        cv2.circle(mask, centre, 3, 1, -1)
    for t in (4, 5):  # the dust was on the film frame, so it is on both copies
        clip[t] = np.where(mask > 0, 245.0, clip[t]).astype(np.float32)
    out = restore(clip)
    assert len(out) == len(clip)
    assert np.array_equal(out[4], out[5])
    for t in (4, 5):
        assert np.median(np.abs(out[t] - clean[4])[mask > 0]) < 20  # the dust is gone, not just dimmed
    assert np.median(np.abs(out[3] - clean[3])) < 4  # frames around it are left as they were, less grain


def test_frame_count_is_kept_with_repeats_in_a_row_and_at_the_end():
    clip = grainy(pan(texture(10), 9), seed=11)
    for t in (3, 4, 8):  # a frame shown three times, and a repeat as the last frame
        clip = repeat(clip, t, seed=t)
    out = restore(clip)
    assert len(out) == len(clip)
    assert np.array_equal(out[2], out[3]) and np.array_equal(out[3], out[4]) and np.array_equal(out[7], out[8])


def test_a_repeat_coded_afresh_is_found_where_the_cadence_puts_it():
    # a keyframe on a repeat: it differs from its original by blocky coding noise, beyond compression
    # noise elsewhere, though far less than distinct frames differ
    clip = grainy(pan(texture(12), 26, step=0.5), seed=13, sigma=4.0)  # changes of about 7 levels
    for t in (3, 8, 13, 18):
        clip = repeat(clip, t, seed=t)
    blocks = np.random.default_rng(14).normal(0, 4, (clip[0].shape[0] // 8 + 1, clip[0].shape[1] // 8 + 1))
    coding = np.kron(blocks, np.ones((8, 8)))[:clip[0].shape[0], :clip[0].shape[1]].astype(np.float32)
    clip[18] = clip[17] + coding  # a change of 3 levels
    assert found(clip) == [3, 8, 13, 18]  # and frame 23, where the cadence would put the next, is no repeat
    clip[3] = clip[2] + coding  # with no cadence seen yet, such a frame is no repeat
    assert found(clip) == [8, 13]
