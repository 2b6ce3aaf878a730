"""Choosing the device and the numeric precision to run a model in."""
from __future__ import annotations

import torch

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
