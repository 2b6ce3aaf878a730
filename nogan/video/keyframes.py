"""Keyframe colouring: the model colours every n-th frame; the frames between borrow its colour.

On a CPU the model is nearly all of a film's colouring time, and neighbouring frames show nearly
the same picture. With an interval of n, only every n-th frame, and the first frame of every shot,
goes through the model. Each frame between keeps its own luminance and takes its chroma from the
keyframes before and after it, warped along the dense optical flow (OpenCV's DIS) from its own
luminance to theirs and blended by how well each warp explains the frame. A frame that neither
keyframe explains (something new came into view, the flow lost track) goes through the model too.

Colour hints (`nogan.hints`) given for one frame carry along its shot the same way: each later
keyframe of the shot takes the previous one's hints, moved along the flow (hints on what the flow
cannot explain are dropped), so the frames between inherit hinted colour from both sides. A cut
ends them.

Frames are H x W x 3 uint8 RGB, chroma is OpenCV's YUV (BT.601, 0-255 scale), as in `stabilize`.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from PIL import Image

from ..hints import apply_hints
from .stabilize import is_scene_cut, luma_change, small_luma

# Luminance levels by which a warped keyframe may miss the frame and still explain the pixel.
# Film grain and the blur of the flow stay under it; an uncovered object does not.
MATCH_LEVELS = 12.0
LOST_SHARE = 0.02  # a frame with more unexplained pixels than this goes through the model
_FLOW_SIDE = 480  # the flow is computed with the longer side at most this; chroma is coarser still


@dataclass(frozen=True)
class _Keyframe:
    grey: np.ndarray  # luminance at flow size, uint8
    chroma: np.ndarray  # U, V at full size, float32 H x W x 2
    hints: np.ndarray | None  # the hints it was coloured with, H x W x 4 uint8 RGBA


class KeyframeColorizer:
    """Colours one stream's frames, in order, sending only keyframes through `colorizer`.

    `interval` 1 colours every frame with the model (DeOldify's behaviour). Call with the next
    frames (any number); it returns `(source, coloured)` for each frame now complete, in order.
    Frames after the last keyframe wait for the next one; `finish()` completes them at the end.
    `hints` (H x W x 4 uint8 RGBA, see `nogan.hints`) colour the frame numbered `hints_frame`
    (from 0), which becomes a keyframe, and the rest of its shot.
    """

    def __init__(self, colorizer, render_factor: int, interval: int, *, hints: np.ndarray | None = None,
                 hints_frame: int = 0):
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f"keyframe_interval={interval!r} must be a positive integer")
        if isinstance(hints_frame, bool) or not isinstance(hints_frame, int) or hints_frame < 0:
            raise ValueError(f"hints_frame={hints_frame!r} must be a frame number from 0")
        self.colorizer, self.render_factor, self.interval = colorizer, render_factor, interval
        self.model_frames = 0  # frames coloured by the model: keyframes and frames it had to redo
        self._flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        self._last: _Keyframe | None = None
        self._waiting: list[np.ndarray] = []  # frames since the last keyframe
        self._previous_luma: np.ndarray | None = None
        self._hints, self._hints_frame = hints, hints_frame
        self._frames_seen = 0
        self._hinted: tuple[np.ndarray, np.ndarray] | None = None  # the last hinted keyframe's grey and hints

    def __call__(self, frames: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        cuts = [(self.interval > 1 or self._hints is not None) and self._is_cut(frame) for frame in frames]
        numbers = range(self._frames_seen, self._frames_seen + len(frames))
        self._frames_seen += len(frames)
        # frames since the last keyframe; the stream's first frame counts as due
        since = len(self._waiting) if self._last is not None else self.interval - 1
        keys = []
        for cut, number in zip(cuts, numbers):  # a shot's first frame is always a keyframe: colour never crosses a cut
            hinted = self._hints is not None and number == self._hints_frame
            keys.append(cut or hinted or since + 1 >= self.interval)
            since = 0 if keys[-1] else since + 1
        hints = self._keyframe_hints(frames, keys, cuts, numbers)
        colored = iter(self._model([f for f, key in zip(frames, keys) if key],
                                   [h for h, key in zip(hints, keys) if key]))
        done = []
        for frame, key, cut, hint in zip(frames, keys, cuts, hints):
            if not key:
                self._waiting.append(frame)
                continue
            result = next(colored)
            keyframe = self._keyframe(frame, result, hint)
            done += self._complete(None if cut else keyframe)
            done.append((frame, result))
            self._last = keyframe
        return done

    def finish(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The frames after the last keyframe, coloured from it alone."""
        return self._complete(None)

    def _is_cut(self, frame: np.ndarray) -> bool:
        luma, previous = small_luma(frame), self._previous_luma
        self._previous_luma = luma
        return previous is not None and previous.shape == luma.shape and is_scene_cut(luma_change(previous, luma))

    def _keyframe_hints(self, frames: list[np.ndarray], keys: list[bool], cuts: list[bool],
                        numbers: range) -> list[np.ndarray | None]:
        """The hints for each keyframe: the given ones on their frame, carried on to the shot's later keyframes."""
        if self._hints is None:
            return [None] * len(frames)
        hints = []
        for frame, key, cut, number in zip(frames, keys, cuts, numbers):
            if cut:
                self._hinted = None
            hint = None
            if number == self._hints_frame:
                hint = self._hints
            elif key and self._hinted is not None:
                hint = _carry_hints(frame, *self._hinted, self._flow)
            if key:
                self._hinted = None if hint is None else (_flow_grey(frame), hint)
            hints.append(hint)
        return hints

    def _model(self, frames: list[np.ndarray], hints: list[np.ndarray | None]) -> list[np.ndarray]:
        self.model_frames += len(frames)
        colored = self.colorizer.colorize_batch(frames, self.render_factor) if frames else []
        return [c if h is None else np.asarray(apply_hints(Image.fromarray(f), Image.fromarray(c), h))
                for f, c, h in zip(frames, colored, hints)]

    def _keyframe(self, source: np.ndarray, colored: np.ndarray, hints: np.ndarray | None) -> _Keyframe | None:
        if self.interval == 1:
            return None  # nothing will borrow from it
        chroma = cv2.cvtColor(colored.astype(np.float32), cv2.COLOR_RGB2YUV)[:, :, 1:]
        return _Keyframe(_flow_grey(source), np.ascontiguousarray(chroma), hints)

    def _complete(self, following: _Keyframe | None) -> list[tuple[np.ndarray, np.ndarray]]:
        """Colour the waiting frames from the last keyframe and `following` (None: none usable)."""
        waiting, self._waiting = self._waiting, []
        keys = [k for k in (self._last, following) if k is not None]
        carried = [_carry_chroma(frame, keys, self._flow) for frame in waiting]
        redo_frames = [f for f, c in zip(waiting, carried) if c is None]
        last = self._last
        redo_hints = [None if last is None or last.hints is None
                      else _carry_hints(f, last.grey, last.hints, self._flow) for f in redo_frames]
        redo = iter(self._model(redo_frames, redo_hints))
        return [(f, c if c is not None else next(redo)) for f, c in zip(waiting, carried)]


def _flow_grey(frame: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    scale = _FLOW_SIDE / max(grey.shape)
    if scale >= 1:
        return grey
    size = (max(8, round(grey.shape[1] * scale)), max(8, round(grey.shape[0] * scale)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)


def _warp(grey: np.ndarray, key_grey: np.ndarray, flow: cv2.DISOpticalFlow,
          size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Where each pixel of a frame (`grey`, at flow size) is in a keyframe: a remap map at full
    `size` (width, height), and how badly the warped keyframe misses the frame (levels, flow size)."""
    grid = np.indices(grey.shape, dtype=np.float32)[::-1].transpose(1, 2, 0)  # x, y per pixel
    where = grid + flow.calc(grey, key_grey, None)  # the pixel of the keyframe each pixel shows
    warped = cv2.remap(key_grey, where, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    diff = warped.astype(np.float32) - grey
    error = cv2.GaussianBlur(np.abs(diff - np.median(diff)), (5, 5), 0)  # grain and exposure flicker aside
    scale = np.array([size[0] / grey.shape[1], size[1] / grey.shape[0]], np.float32)
    full = (cv2.resize(where, size, interpolation=cv2.INTER_LINEAR) + 0.5) * scale - 0.5
    return full, error


def _carry_hints(frame: np.ndarray, key_grey: np.ndarray, hints: np.ndarray,
                 flow: cv2.DISOpticalFlow) -> np.ndarray | None:
    """A keyframe's `hints` moved onto `frame` along the flow, less those the flow cannot explain."""
    grey = _flow_grey(frame)
    if grey.shape != key_grey.shape:
        return None
    height, width = frame.shape[:2]
    full, error = _warp(grey, key_grey, flow, (width, height))
    moved = cv2.remap(hints, full, None, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    lost = cv2.resize((error > MATCH_LEVELS).astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST)
    moved[lost.astype(bool), 3] = 0
    return moved if moved[:, :, 3].any() else None


def _carry_chroma(frame: np.ndarray, keys: list[_Keyframe], flow: cv2.DISOpticalFlow) -> np.ndarray | None:
    """`frame` with the keyframes' chroma warped onto it, or None where they do not explain it."""
    grey = _flow_grey(frame)
    height, width = frame.shape[:2]
    chroma_sum = np.zeros((height, width, 2), np.float32)
    weight_sum = np.zeros((height, width), np.float32)
    best_error = np.full(grey.shape, np.inf, np.float32)
    for key in keys:
        if key.grey.shape != grey.shape:
            continue
        full, error = _warp(grey, key.grey, flow, (width, height))
        best_error = np.minimum(best_error, error)
        chroma = cv2.remap(key.chroma, full, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        # a warp that explains a pixel well outweighs one that does not, smoothly
        weight = cv2.resize(1.0 / (1.0 + (error / (MATCH_LEVELS / 2)) ** 4), (width, height))
        chroma_sum += chroma * weight[..., None]
        weight_sum += weight
    if not np.isfinite(best_error).all() or (best_error > MATCH_LEVELS).mean() > LOST_SHARE:
        return None
    yuv = cv2.cvtColor(frame.astype(np.float32), cv2.COLOR_RGB2YUV)
    yuv[:, :, 1:] = chroma_sum / np.maximum(weight_sum, 1e-6)[..., None]
    return np.clip(cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB) + 0.5, 0, 255).astype(np.uint8)
