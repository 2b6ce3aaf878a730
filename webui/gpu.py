"""Hugging Face's shared GPUs for Spaces (ZeroGPU) lend a GPU only inside functions decorated with
`spaces.GPU`, for the number of seconds each call asks for; elsewhere (a CPU Space, a machine with
its own GPU) the decorator returns the function unchanged.

The handlers keep uploads, downloads and model loading outside these functions and put only the
model work inside, so that no GPU time is spent waiting on the network. On ZeroGPU the decorated
function runs in a child process: its arguments and results must pickle, and the Cancel button does
not reach it (a run ends when it is done or its time is up).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeVar

import spaces

from nogan import NoganError
from nogan.video import VideoLimits, probe

F = TypeVar("F", bound=Callable)

MAX_SECONDS = 300  # the longest call ZeroGPU grants
PHOTO_SECONDS = 20  # moving a model onto the GPU, and one photo at the highest render factor
SECONDS_PER_PHOTO = 3  # each further photo of a batch or a comparison, a 64-megapixel one included
SECONDS_PER_FRAME = 0.1  # a film frame: decode, model, stabilise, encode (H200 slice, render factor 40)


def on_gpu(function: F, duration: int | Callable[..., int]) -> F:
    """`function`, run on a lent GPU for up to `duration` seconds (or `duration(*args)` seconds)."""
    return spaces.GPU(function, duration=duration)


def photos_duration(photos: Sequence[object], *args: object) -> int:
    return min(MAX_SECONDS, PHOTO_SECONDS + SECONDS_PER_PHOTO * len(photos))


def factors_duration(photo: object, model: object, factors: Sequence[int], *args: object) -> int:
    return min(MAX_SECONDS, PHOTO_SECONDS + SECONDS_PER_PHOTO * len(factors))


def video_duration(video: str, *args: object) -> int:
    """Long enough for every frame of `video`, which the handler has checked against the app's limits."""
    try:
        frames = probe(video, VideoLimits(None, None, None)).frame_count or 0
    except NoganError:  # an unreadable file fails at once inside the call; the time asked for is moot
        frames = 0
    return min(MAX_SECONDS, PHOTO_SECONDS + math.ceil(SECONDS_PER_FRAME * frames))
