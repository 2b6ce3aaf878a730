"""`FilmRestorer`: one stream's frames through the restoration stages, in a small sliding window.

Every stage works on the luminance; a frame's colour (a tint, a sepia toning) is kept as it is.
Frame t is restored once frames t+1 and t+2 have arrived (`LOOKAHEAD`): dust needs the next
frame, a scratch is confirmed by the frames around it. Behind it the restorer keeps only the
previous restored frame (the flicker and grain averages live in it) and two scratch profiles,
so memory does not grow with the film. Nothing crosses a scene cut: a new shot starts afresh.
For each frame:

0. with `RestoreOptions.photo`, repair it as a photo (`nogan.restore.Restorer`), as it arrives;
1. align the previous restored frame and the next frame onto it (`motion`);
2. flicker: match its tone to the average carried by the previous restored frame (`flicker`);
3. line scratches out (`scratches`);
4. dust and dirt out (`blotches`);
5. grain averaged along the motion (`grain`).
"""
from __future__ import annotations

import collections
from dataclasses import dataclass

import cv2
import numpy as np

from ...restore import Restorer
from ..stabilize import is_scene_cut, luma_change, small_luma
from .blotches import remove_blotches
from .flicker import match_tone
from .grain import grain_noise, reduce_grain
from .motion import Alignment, FlowAligner
from .options import RestoreOptions
from .scratches import column_profile, remove_scratches, scratch_columns, thin_lines

LOOKAHEAD = 2  # frames that must follow a frame before it is restored
_TONE_OUTLIER = 24.0  # levels of local change beyond which a pixel is not used to match tone (it moved)


@dataclass
class _Frame:
    rgb: np.ndarray  # the source frame, H x W x 3 uint8
    luma: np.ndarray  # its luminance, float32 0-255
    small: np.ndarray  # what its flow is computed on
    cut: bool  # the first frame of a new shot
    lines: np.ndarray | None  # its `thin_lines`, when scratches are removed
    profile: np.ndarray | None  # their column profile
    to_previous: Alignment | None = None  # the previous frame aligned onto this one, set with that frame's


class FilmRestorer:
    """Restores one stream's frames in order (H x W x 3 uint8 RGB in and out, one size per stream).

    Call with the next frames (any number); it returns the restored frames now complete, in order,
    up to `LOOKAHEAD` frames behind. `finish()` returns the last ones. One instance per stream.
    """

    def __init__(self, options: RestoreOptions = RestoreOptions(), photo_restorer: Restorer | None = None):
        """`photo_restorer` repairs each frame when `options.photo` is on (default: the packaged one)."""
        if not isinstance(options, RestoreOptions):
            raise ValueError(f"options={options!r} must be a RestoreOptions")
        self.options = options
        self._photo = (photo_restorer or Restorer.from_pretrained()) if options.photo else None
        self.cuts = 0  # scene cuts seen so far (the first frame is not one)
        self._aligner = FlowAligner()
        self._pending: collections.deque[_Frame] = collections.deque()  # the frame due next and the look-ahead
        self._past_profiles: collections.deque[np.ndarray] = collections.deque(maxlen=LOOKAHEAD)
        self._past_lines: np.ndarray | None = None  # the last frame's `thin_lines`
        self._previous: np.ndarray | None = None  # the last restored luminance of this shot
        self._previous_source: np.ndarray | None = None  # ... and as it was decoded
        self._last_small_luma: np.ndarray | None = None
        self._noise = 0.0  # the grain's standard deviation, from the last frame that could tell

    def __call__(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        done = []
        for frame in frames:
            self._pending.append(self._arrive(frame))
            if len(self._pending) > LOOKAHEAD:
                done.append(self._restore_due())
        return done

    def finish(self) -> list[np.ndarray]:
        """The frames still waiting for a look-ahead that will not come."""
        return [self._restore_due() for _ in range(len(self._pending))]

    def _arrive(self, rgb: np.ndarray) -> _Frame:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"frame of shape {rgb.shape} and dtype {rgb.dtype} is not H x W x 3 uint8")
        if self._photo is not None:
            rgb = np.asarray(self._photo.restore(rgb, repair=True, denoise=False, contrast=False,
                                                 sharpen=False).convert("RGB"))
        luma_small, previous = small_luma(rgb), self._last_small_luma
        self._last_small_luma = luma_small
        cut = previous is not None and (previous.shape != luma_small.shape or
                                        is_scene_cut(luma_change(previous, luma_small)))
        self.cuts += cut
        luma = cv2.cvtColor(rgb.astype(np.float32), cv2.COLOR_RGB2GRAY)
        lines = thin_lines(luma) if self.options.scratches else None
        return _Frame(rgb, luma, FlowAligner.small(luma), cut, lines, None if lines is None else column_profile(lines))

    def _restore_due(self) -> np.ndarray:
        frame = self._pending.popleft()
        if frame.cut:
            self._previous = None
            self._past_profiles.clear()
        following = self._pending[0] if self._pending and not self._pending[0].cut else None
        to_next = None
        if following is not None:
            size = frame.luma.shape[1], frame.luma.shape[0]
            to_next, following.to_previous = self._aligner(frame.small, following.small, size)
        options, luma = self.options, frame.luma
        previous = upcoming = None
        if self._previous is not None:
            previous = frame.to_previous.warp(self._previous), frame.to_previous.reliable
            if options.flicker_memory > 0:
                luma = match_tone(luma, previous[0], _tone_weight(luma, *previous), options.flicker_memory)
            previous = _matched(previous, luma)
        if following is not None:
            upcoming = _matched((to_next.warp(following.luma), to_next.reliable), luma)
            self._noise = grain_noise(luma[::2, ::2], upcoming[0][::2, ::2], upcoming[1][::2, ::2]) or self._noise
        if options.scratches:
            shot = [f.profile for f in self._shot_ahead()]
            profiles = [*self._past_profiles, frame.profile, *shot]
            along_motion = None if self._previous is None else column_profile(frame.to_previous.warp(self._past_lines))
            luma = remove_scratches(luma, scratch_columns(profiles, len(self._past_profiles), along_motion))
            self._past_profiles.append(frame.profile)
            self._past_lines = frame.lines
        if options.dust and previous is not None and upcoming is not None:
            sources = [(_global_tone(self._previous_source, luma), frame.to_previous),
                       (_global_tone(following.luma, luma), to_next)]
            luma, _ = remove_blotches(luma, previous[0], upcoming[0], np.minimum(previous[1], upcoming[1]),
                                      self._noise, sources)
        self._previous_source = frame.luma
        luma = reduce_grain(luma, previous, upcoming, self._noise, options.grain_strength)
        self._previous = luma
        return _with_luma(frame.rgb, frame.luma, luma)

    def _shot_ahead(self) -> list[_Frame]:
        """The look-ahead frames that belong to the due frame's shot."""
        ahead = []
        for frame in self._pending:
            if frame.cut:
                break
            ahead.append(frame)
        return ahead


def _matched(aligned: tuple[np.ndarray, np.ndarray], luma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An aligned neighbour (image, reliability) with the tone of `luma`: compared with it, only defects
    and motion differ, not flicker."""
    image, reliable = aligned
    return match_tone(image, luma, _tone_weight(image, luma, reliable), 1.0), reliable


def _global_tone(image: np.ndarray, like: np.ndarray) -> np.ndarray:
    """`image` with the mean and standard deviation of `like`."""
    mean, std = cv2.meanStdDev(image)
    like_mean, like_std = cv2.meanStdDev(like)
    gain = like_std[0, 0] / max(std[0, 0], 1e-3)
    return ((image - mean[0, 0]) * gain + like_mean[0, 0]).astype(np.float32)


def _tone_weight(luma: np.ndarray, reference: np.ndarray, reliable: np.ndarray) -> np.ndarray:
    """Where `reference` shows the same scene as `luma`, tone aside: reliable flow, no large local change."""
    diff = cv2.blur(reference - luma, (5, 5))
    typical = float(np.median(diff[::4, ::4]))
    return reliable * (np.abs(diff - typical) < _TONE_OUTLIER)


def _with_luma(rgb: np.ndarray, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """`rgb` with its luminance moved from `old` to `new`: the same change on R, G and B keeps the chroma."""
    return np.clip(rgb + (new - old)[..., None] + 0.5, 0, 255).astype(np.uint8)
