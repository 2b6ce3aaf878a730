"""`RestoreOptions`: which film defects `FilmRestorer` removes, and how strongly."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RestoreOptions:
    """What to restore in a film; every stage is on by default.

    dust: remove dust and dirt that sit on one frame only (see `blotches`).
    scratches: remove thin vertical line scratches that run over many frames (see `scratches`).
    flicker: move each frame's brightness and contrast, over the frame and smoothly across it, to
        the shot's smoothed tone, from the frames before and after it (see `flicker`); fades are
        kept. A number from 0 to 1 sets the memory of that smoothing (True is `FLICKER_MEMORY`;
        higher: steadier, slower to follow a change of exposure).
    grain: strength of the temporal grain reduction, from 0 (off) to 1; True is `GRAIN_STRENGTH`,
        False is off (see `grain`).
    photo: also repair each frame as a photo, before the stages above: the photo restoration's
        damage model finds scratches, dust and cracks within the frame and they are filled from
        around them (`nogan.restore`). For damage that stays in place over several frames, which
        the temporal stages cannot tell from the picture; slower, so off by default.
    """

    dust: bool = True
    scratches: bool = True
    flicker: bool | float = True
    grain: bool | float = True
    photo: bool = False

    FLICKER_MEMORY = 0.93
    GRAIN_STRENGTH = 0.6

    def __post_init__(self):
        for name in ("dust", "scratches", "photo"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name}={getattr(self, name)!r} must be True or False")
        for name in ("flicker", "grain"):
            value = getattr(self, name)
            if not isinstance(value, (bool, int, float)) or not 0 <= value <= 1:
                raise ValueError(f"{name}={value!r} must be True, False or a number from 0 to 1")

    @property
    def flicker_memory(self) -> float:
        return self.FLICKER_MEMORY if self.flicker is True else float(self.flicker)

    @property
    def grain_strength(self) -> float:
        return self.GRAIN_STRENGTH if self.grain is True else float(self.grain)

    @property
    def any(self) -> bool:
        """Whether any stage is on."""
        return self.dust or self.scratches or self.photo or self.flicker_memory > 0 or self.grain_strength > 0
