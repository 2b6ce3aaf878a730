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
# Restoring a photo of up to 64 megapixels (finding and filling damage, grain, contrast), and
# upscaling one to a 64-megapixel result: estimates, not yet measured on ZeroGPU.
RESTORE_SECONDS = 10
UPSCALE_SECONDS = {1: 0, 2: 30, 4: 60}
SECONDS_PER_RESTORED_FRAME = 0.15  # film restoration (optical flow on the CPU) on a Full HD frame


def on_gpu(function: F, duration: int | Callable[..., int]) -> F:
    """`function`, run on a lent GPU for up to `duration` seconds (or `duration(*args)` seconds)."""
    return spaces.GPU(function, duration=duration)


def restore_seconds(options: object) -> int:
    """The extra time one photo's restoration and upscaling take (`options`: a `PhotoOptions`)."""
    return (RESTORE_SECONDS if options.restores else 0) + UPSCALE_SECONDS[options.upscale]


def photo_duration(photo: object, model: object, factor: object, options: object, *args: object) -> int:
    return min(MAX_SECONDS, PHOTO_SECONDS + restore_seconds(options))


def photos_duration(photos: Sequence[object], model: object, factor: object, options: object, *args: object) -> int:
    return min(MAX_SECONDS, PHOTO_SECONDS + (SECONDS_PER_PHOTO + restore_seconds(options)) * len(photos))


def factors_duration(photo: object, model: object, factors: Sequence[int], *args: object) -> int:
    return min(MAX_SECONDS, PHOTO_SECONDS + SECONDS_PER_PHOTO * len(factors))


def video_duration(video: str, model: object, dst: object, factor: object, stabilization: object,
                   every_frame: object, allow_truncated: object, restore: object, *args: object) -> int:
    """Long enough for every frame of `video`, which the handler has checked against the app's
    limits, restored first when `restore` is not None."""
    try:
        frames = probe(video, VideoLimits(None, None, None)).frame_count or 0
    except NoganError:  # an unreadable file fails at once inside the call; the time asked for is moot
        frames = 0
    per_frame = SECONDS_PER_FRAME + (SECONDS_PER_RESTORED_FRAME if restore is not None else 0)
    return min(MAX_SECONDS, PHOTO_SECONDS + math.ceil(per_frame * frames))
