"""Device, mixed precision and random state: what every training loop sets up the same way."""
from __future__ import annotations

import contextlib
import random

import torch

from nogan.device import resolve_device

from .config import PRECISIONS


def select_device(name: str) -> torch.device:
    """'auto' -> nogan's choice (CUDA, then MPS, then CPU); anything else is a torch device name."""
    try:
        return resolve_device(None if name == "auto" else name)
    except RuntimeError as e:
        raise ValueError(f"device={name!r} is not a torch device ({e})") from e


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for `precision`, or None for plain fp32."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r} must be one of {', '.join(PRECISIONS)}")
    if precision == "auto":
        if device.type != "cuda":
            return None
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if precision == "fp16" and device.type != "cuda":
        raise ValueError("precision='fp16' needs a CUDA device; use 'bf16' or 'fp32' on CPU")
    return {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": None}[precision]


class Precision:
    """Autocast context plus the gradient scaler that fp16 (and only fp16) needs."""

    def __init__(self, precision: str, device: torch.device):
        self.device = device
        self.dtype = autocast_dtype(precision, device)
        self.scaler = torch.amp.GradScaler(device.type, enabled=self.dtype == torch.float16)

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    def step(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer) -> None:
        """Backward pass and optimiser step through the scaler (a no-op wrapper unless fp16)."""
        optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(optimizer)
        self.scaler.update()


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def rng_state() -> dict:
    """Global random state, in types `torch.load(weights_only=True)` accepts."""
    state = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
