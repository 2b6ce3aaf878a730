"""Keyframe colouring: only keyframes go through the model, the frames between borrow their colour."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from nogan.video.keyframes import KeyframeColorizer

SIZE = (160, 120)  # width, height


def colour_texture(width: int, seed: int = 0) -> np.ndarray:
    """Smooth coloured blobs: structure for the flow to follow and colour to carry."""
    rng = np.random.default_rng(seed)
    texture = cv2.GaussianBlur(rng.uniform(0, 255, (SIZE[1], width, 3)).astype(np.float32), (0, 0), 5)
    low, high = texture.min(), texture.max()
    return ((texture - low) / (high - low) * 255).astype(np.uint8)


def pan(texture: np.ndarray, count: int, step: int = 2) -> list[np.ndarray]:
    """A camera panning across `texture`, `step` pixels per frame (true colours)."""
    return [np.ascontiguousarray(texture[:, i * step:i * step + SIZE[0]]) for i in range(count)]


def grey(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)


def chroma(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2YUV)[:, :, 1:].astype(np.float32)


class TruthColorizer:
    """A perfect model for known frames: the true chroma on the frame's own luminance."""

    device = torch.device("cpu")

    def __init__(self, truths: list[np.ndarray]):
        self.truths = truths
        self.index = {grey(t).tobytes(): i for i, t in enumerate(truths)}
        self.seen: list[int] = []  # which frames (by index in `truths`) the model coloured

    def colorize_batch(self, frames, render_factor=None, post_process=True):
        self.seen += [self.index[f.tobytes()] for f in frames]
        out = []
        for f in frames:
            yuv = cv2.cvtColor(f, cv2.COLOR_RGB2YUV)
            yuv[:, :, 1:] = cv2.cvtColor(self.truths[self.index[f.tobytes()]], cv2.COLOR_RGB2YUV)[:, :, 1:]
            out.append(cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB))
        return out


def run(truths: list[np.ndarray], interval: int, batch: int = 5) -> tuple[list, TruthColorizer, KeyframeColorizer]:
    model = TruthColorizer(truths)
    keyframes = KeyframeColorizer(model, 4, interval)
    sources, done = [grey(t) for t in truths], []
    for start in range(0, len(sources), batch):
        done += keyframes(sources[start:start + batch])
    done += keyframes.finish()
    assert [s.tobytes() for s, _ in done] == [s.tobytes() for s in sources]  # every frame, in order
    return [c for _, c in done], model, keyframes


def test_interval_one_is_the_model_on_every_frame():
    truths = pan(colour_texture(260), 12)
    colored, model, keyframes = run(truths, 1)
    assert model.seen == list(range(12)) and keyframes.model_frames == 12


@pytest.mark.parametrize("interval", [2, 3])
def test_colour_follows_a_pan_between_keyframes(interval):
    truths = pan(colour_texture(260), 13)
    colored, model, keyframes = run(truths, interval)
    assert model.seen == list(range(0, 13, interval)) and keyframes.model_frames == len(model.seen)
    for i, (out, truth) in enumerate(zip(colored, truths)):
        # luminance is always the frame's own; chroma is the keyframes' carried along the motion
        assert np.abs(cv2.cvtColor(out, cv2.COLOR_RGB2GRAY).astype(int)
                      - cv2.cvtColor(truth, cv2.COLOR_RGB2GRAY)).max() <= 2
        error = np.abs(chroma(out) - chroma(truth))
        assert error.mean() < 1.0 and np.percentile(error, 99) < 6, (i, error.mean())
    # without the flow, an in-between frame would be off by far more: the test has teeth
    assert np.abs(chroma(truths[1]) - chroma(truths[0])).mean() > 3 * 1.0


def test_new_shot_is_a_keyframe_and_colour_never_crosses_the_cut():
    first, second = pan(colour_texture(260, seed=1), 5), pan(255 - colour_texture(260, seed=2), 6)
    colored, model, _ = run(first + second, 4)
    assert model.seen == [0, 4, 5, 9]  # every 4th frame, and the first of the new shot
    for out, truth in zip(colored, first + second):
        assert np.abs(chroma(out) - chroma(truth)).mean() < 1.0


def test_what_no_keyframe_shows_goes_through_the_model():
    truths = pan(colour_texture(260), 3, step=1)
    surprise = truths[1].copy()
    surprise[30:80, 40:110] = (250, 30, 30)  # in frame 1 only: neither keyframe can explain it
    truths[1] = surprise
    colored, model, keyframes = run(truths, 2)
    assert sorted(model.seen) == [0, 1, 2] and keyframes.model_frames == 3
    assert np.abs(chroma(colored[1]) - chroma(surprise)).max() <= 2


def test_bad_interval():
    with pytest.raises(ValueError, match="keyframe_interval=0"):
        KeyframeColorizer(TruthColorizer([]), 4, 0)
