"""`FilmRestorer`: one stream's frames through the restoration stages, in a small sliding window.

Every stage works on the luminance; a frame's colour (a tint, a sepia toning) is kept as it is.
Frame t is restored once frames t+1 and t+2 have arrived (`LOOKAHEAD`): dust needs the next
frame, a scratch is confirmed by the frames around it. Behind it the restorer keeps only the two
previous restored frames (the grain average lives in them), the flicker trend and two scratch
profiles, so memory does not grow with the film. Nothing crosses a scene cut: a new shot starts afresh.

A frame that repeats its predecessor (pulldown, frame-rate conversion; `repeats`) is no neighbour:
each frame is compared with the nearest distinct frames, the one two ahead when the next is a
repeat, so dust on a repeated pair is found. A repeat is output as its original restored, the same
pixels, so the pair stays identical (a pair that differed would itself flicker); frame count and
rate are kept. For each distinct frame:

0. with `RestoreOptions.photo`, repair it as a photo (`nogan.restore.Restorer`), as it arrives;
1. align the previous restored frame and the look-ahead frames onto it (`motion`);
2. flicker: move its tone to the shot's smoothed tone, from the previous restored frame and the
   look-ahead frames (`flicker`);
3. line scratches out (`scratches`);
4. dust and dirt out (`blotches`), told by the frames before and after; at a shot's first frame by
   the next two, at its last by the two before;
5. grain averaged along the motion (`grain`).
"""
from __future__ import annotations

import collections
from dataclasses import dataclass

import cv2
import numpy as np

from ...restore import Restorer
from ..stabilize import is_scene_cut, luma_change, small_luma
from .blotches import Neighbour, remove_blotches
from .flicker import ToneTracker, match_tone
from .grain import grain_noise, reduce_grain
from .motion import Aligned, Alignment, FlowAligner
from .options import RestoreOptions
from .repeats import RepeatDetector
from .scratches import column_profile, remove_scratches, scratch_columns, thin_lines

LOOKAHEAD = 2  # frames that must follow a frame before it is restored


@dataclass
class _Frame:
    rgb: np.ndarray  # the source frame, H x W x 3 uint8
    luma: np.ndarray  # its luminance, float32 0-255
    small: np.ndarray  # what its flow is computed on
    cut: bool  # the first frame of a new shot
    repeat: bool  # the previous frame again (see `repeats`)
    lines: np.ndarray | None  # its `thin_lines`, when scratches are removed
    profile: np.ndarray | None  # their column profile
    to_previous: Alignment | None = None  # the previous frame aligned onto this one, within a shot
    to_next: Alignment | None = None  # the next frame aligned onto this one, within a shot


@dataclass
class _Restored:
    """A distinct frame of the current shot, once restored."""

    luma: np.ndarray  # its restored luminance
    source: np.ndarray  # its luminance as decoded
    to_previous: Alignment | None  # the distinct frame before it aligned onto it (None: the shot's first)


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
        self._repeats = RepeatDetector()
        self._tone = ToneTracker(options.flicker_memory)
        self._pending: collections.deque[_Frame] = collections.deque()  # the frame due next and the look-ahead
        self._past_profiles: collections.deque[np.ndarray] = collections.deque(maxlen=LOOKAHEAD)
        self._past_lines: np.ndarray | None = None  # the last frame's `thin_lines`
        self._behind: collections.deque[_Restored] = collections.deque(maxlen=2)  # this shot's last distinct frames
        self._last_output: np.ndarray | None = None  # the last frame returned, for a repeat of it
        self._last_small_luma: np.ndarray | None = None
        self._noise = 0.0  # the grain's standard deviation, from the last frame that could tell

    def __call__(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        done = []
        for frame in frames:
            arrived = self._arrive(frame)
            if self._pending and not arrived.cut:
                last, size = self._pending[-1], (arrived.luma.shape[1], arrived.luma.shape[0])
                last.to_next, arrived.to_previous = self._aligner(last.small, arrived.small, size)
            self._pending.append(arrived)
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
        return _Frame(rgb, luma, self._aligner.small(luma), cut, self._repeats(luma, cut), lines,
                      None if lines is None else column_profile(lines))

    def _restore_due(self) -> np.ndarray:
        frame = self._pending.popleft()
        if frame.cut:
            self._behind.clear()
            self._past_profiles.clear()
            self._tone.reset()
        elif frame.repeat and self._last_output is not None:
            # the state stays the original's: the copy adds nothing to the grain average or the trends
            return self._last_output.copy()
        ahead = self._alignments_ahead(frame, self._shot_ahead())
        # the second distinct frame ahead tells dust at a shot's first frame only
        distinct = [(later, alignment) for later, alignment in ahead if not later.repeat][:1 if self._behind else 2]
        following, to_next = distinct[0] if distinct else (None, None)
        options, luma = self.options, frame.luma
        previous = upcoming = None
        if self._behind:
            previous = frame.to_previous.warp(self._behind[-1].luma), frame.to_previous.reliable
        if self._tone.memory > 0:
            # repeats stay: the tone trend is counted in frames shown, and a repeat is shown
            luma = self._tone(luma, previous, [(alignment.warp(later.luma), alignment.reliable)
                                               for later, alignment in ahead])
        if previous is not None:
            previous = _matched(previous, luma)
        if following is not None:
            upcoming = _matched((to_next.warp(following.luma), to_next.reliable), luma)
            self._noise = grain_noise(luma[::2, ::2], upcoming[0][::2, ::2], upcoming[1][::2, ::2]) or self._noise
        if options.scratches:
            shot = [later.profile for later, _ in ahead if not later.repeat]
            profiles = [*self._past_profiles, frame.profile, *shot]
            along_motion = None if not self._behind else column_profile(frame.to_previous.warp(self._past_lines))
            luma = remove_scratches(luma, scratch_columns(profiles, len(self._past_profiles), along_motion))
            self._past_profiles.append(frame.profile)
            self._past_lines = frame.lines
        neighbours = self._dust_neighbours(frame, luma, distinct, previous, upcoming) if options.dust else None
        if neighbours is not None:
            (first, first_reliable), (second, second_reliable), sources = neighbours
            luma, _ = remove_blotches(luma, first, second, np.minimum(first_reliable, second_reliable),
                                      self._noise, sources)
        luma = reduce_grain(luma, previous, upcoming, self._noise, options.grain_strength)
        self._behind.append(_Restored(luma, frame.luma, frame.to_previous if self._behind else None))
        self._last_output = _with_luma(frame.rgb, frame.luma, luma)
        return self._last_output

    def _dust_neighbours(self, frame: _Frame, luma: np.ndarray, distinct: list[tuple[_Frame, Alignment]],
                         previous: Aligned | None, upcoming: Aligned | None
                         ) -> tuple[Aligned, Aligned, tuple[Neighbour, Neighbour]] | None:
        """The two neighbours dust on `frame` is told by, each aligned onto it in the tone of `luma`, and as
        decoded (`Neighbour`s): the frames before and after it; at the shot's first frame the next two, at
        its last the two before (a defect on one frame is on neither); None when the shot shows fewer than
        two other frames. `previous` and `upcoming` are the nearest ones, already aligned; `distinct` the
        distinct look-ahead frames with their alignments onto `frame`."""
        if previous is not None and upcoming is not None:
            (following, to_next), last = distinct[0], self._behind[-1]
            return previous, upcoming, (Neighbour(_global_tone(last.source, luma), frame.to_previous, -1),
                                        Neighbour(_global_tone(following.luma, luma), to_next, 1))
        if previous is None and len(distinct) == 2:
            (nearer, to_nearer), (further, to_further) = distinct
            return upcoming, _matched((to_further.warp(further.luma), to_further.reliable), luma), (
                Neighbour(_global_tone(nearer.luma, luma), to_nearer, 1),
                Neighbour(_global_tone(further.luma, luma), to_further, 2))
        if upcoming is None and len(self._behind) == 2:
            earlier, last = self._behind
            to_earlier = frame.to_previous.then(last.to_previous)
            return previous, _matched((to_earlier.warp(earlier.luma), to_earlier.reliable), luma), (
                Neighbour(_global_tone(last.source, luma), frame.to_previous, -1),
                Neighbour(_global_tone(earlier.source, luma), to_earlier, -2))
        return None

    @staticmethod
    def _alignments_ahead(frame: _Frame, ahead: list[_Frame]) -> list[tuple[_Frame, Alignment]]:
        """Each of the shot's look-ahead frames `ahead` with its alignment onto `frame` (through the
        frames between), in order: computed once for the flicker, dust, grain and scratch stages."""
        chain, alignment = [], None
        for step, later in zip([frame, *ahead], ahead):
            alignment = step.to_next if alignment is None else alignment.then(step.to_next)
            chain.append((later, alignment))
        return chain

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
    return match_tone(image, luma, reliable), reliable


def _global_tone(image: np.ndarray, like: np.ndarray) -> np.ndarray:
    """`image` with the mean and standard deviation of `like`."""
    mean, std = cv2.meanStdDev(image)
    like_mean, like_std = cv2.meanStdDev(like)
    gain = like_std[0, 0] / max(std[0, 0], 1e-3)
    return ((image - mean[0, 0]) * gain + like_mean[0, 0]).astype(np.float32)


def _with_luma(rgb: np.ndarray, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """`rgb` with its luminance moved from `old` to `new`: the same change on R, G and B keeps the chroma."""
    return np.clip(rgb + (new - old)[..., None] + 0.5, 0, 255).astype(np.uint8)
