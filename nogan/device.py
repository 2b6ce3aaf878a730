"""Choosing the device and the numeric precision to run a model in."""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import torch

from .errors import OutOfMemoryError

PRECISIONS = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def resolve_device(device: str | torch.device | None) -> torch.device:
    """`None` picks CUDA, then Apple's MPS, then the CPU."""
    if device is not None:
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve_precision(precision: str | None, device: torch.device) -> str:
    """`None` picks fp16 on CUDA, bf16 on CPUs with native bf16 (AVX512-BF16/AMX), else fp32."""
    if precision is None:
        if device.type == "cuda":
            return "fp16"
        if device.type == "cpu" and torch.ops.mkldnn._is_mkldnn_bf16_supported():
            return "bf16"
        return "fp32"
    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r} is not one of {', '.join(PRECISIONS)}")
    return precision


@contextlib.contextmanager
def out_of_memory_as(error: Callable[[], OutOfMemoryError]) -> Iterator[None]:
    """Turn the device running out of memory inside the block into `error()` (which says what to try),
    chained to the original; the CUDA cache is emptied first, so that the next try has the memory."""
    try:
        yield
    except (torch.OutOfMemoryError, MemoryError) as e:
        raise _released(error) from e
    except RuntimeError as e:  # the CPU allocator reports exhaustion as a plain RuntimeError
        if "can't allocate memory" not in str(e) and "out of memory" not in str(e):
            raise
        raise _released(error) from e


def _released(error: Callable[[], OutOfMemoryError]) -> OutOfMemoryError:
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return error()
