"""Learning-rate schedules as pure functions of progress, so resuming needs no scheduler state."""
from __future__ import annotations

import math

import torch


def one_cycle(progress: float, pct_start: float = 0.3, div: float = 25.0, final_div: float = 1e5) -> float:
    """fastai's one-cycle factor in (0, 1]: cosine warm-up from 1/div to 1 over `pct_start` of the
    phase, then cosine annealing down to 1/final_div. `progress` is in [0, 1]."""
    if not 0 < pct_start < 1:
        raise ValueError(f"pct_start={pct_start} must be in (0, 1)")

    def cos(start: float, end: float, t: float) -> float:
        return end + (start - end) * (1 + math.cos(math.pi * t)) / 2

    if progress < pct_start:
        return cos(1 / div, 1.0, progress / pct_start)
    return cos(1.0, 1 / final_div, (progress - pct_start) / (1 - pct_start))


def set_lrs(optimizer: torch.optim.Optimizer, lrs: list[float]) -> None:
    for group, lr in zip(optimizer.param_groups, lrs, strict=True):
        group["lr"] = lr
