"""Film restoration at a shot's ends: its first and last frames have neighbours on one side only, and
dust there is told by the two nearest (moving things there survive: test_video_restore.py)."""
from __future__ import annotations

import cv2
import numpy as np
from test_video_restore import ONLY, SIZE, pan, restore, texture


def dusty(frames: list[np.ndarray], where: list[int], seed: int) -> tuple[list[np.ndarray], dict[int, np.ndarray]]:
    """The clip with dust (bright and dark spots) on the frames `where`, and each one's mask."""
    rng = np.random.default_rng(seed)
    out, masks = list(frames), {}
    for t in where:
        mask = np.zeros(frames[t].shape, np.uint8)
        for _ in range(4):
            centre = int(rng.integers(10, SIZE[0] - 10)), int(rng.integers(10, SIZE[1] - 10))
            cv2.circle(mask, centre, int(rng.integers(2, 4)), 1, -1)
        out[t] = np.where(mask > 0, 250.0 if t % 2 else 5.0, frames[t]).astype(np.float32)
        masks[t] = mask > 0
    return out, masks


def test_dust_on_the_first_and_last_frames_of_shots_is_removed():
    first, second = pan(texture(20, level=70), 8), pan(texture(21, level=180), 8)  # a cut after frame 7
    clean = first + second
    damaged, masks = dusty(clean, [0, 7, 8, 15], seed=22)
    out = restore(damaged, ONLY["dust"])
    for t, mask in masks.items():
        assert np.median(np.abs(out[t] - clean[t])[mask]) < 20, t
        assert np.percentile(np.abs(out[t] - clean[t])[~mask], 99) < 6, t  # the rest is left as it was
