"""Pieces every training loop shares: set-up, the batch stream with its progress bar, and when to
log or save. The loops themselves stay plain and live in their phase's module."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from .checkpoint import save_checkpoint
from .config import RunArgs
from .data import StepSampler
from .runtime import Precision, rng_state, seed_everything, select_device, set_rng_state


def setup(cfg: RunArgs) -> tuple[torch.device, Precision]:
    """Seed the global RNGs (model init, dropout) and pick the device and precision."""
    seed_everything(cfg.seed)
    device = select_device(cfg.device)
    return device, Precision(cfg.precision, device)


def batches(dataset: Dataset, cfg: RunArgs, start: int, total: int, desc: str) -> Iterator[tuple[int, list]]:
    """(step, batch) for steps start..total-1, with a progress bar counting from `start`."""
    sampler = StepSampler(len(dataset), cfg.batch_size, cfg.seed, start, total)
    # a private generator: iterating a DataLoader must not draw from the global RNG,
    # or a resumed run's dropout masks would differ from an uninterrupted run's
    loader = DataLoader(dataset, batch_sampler=sampler, num_workers=cfg.workers,
                        generator=torch.Generator().manual_seed(cfg.seed))
    yield from enumerate(tqdm(loader, desc=desc, initial=start, total=total, dynamic_ncols=True), start=start)


def due(step: int, every: int, total: int) -> bool:
    """Whether step `step` (0-based) ends an interval of `every` steps, or the phase."""
    return (step + 1) % every == 0 or step + 1 == total


class Averager:
    """Means of named values since the last `pop`; tensors stay on their device until then, so
    there is one device sync per logged row rather than per step."""

    def __init__(self):
        self.sums: dict[str, torch.Tensor | float] = {}
        self.counts: dict[str, int] = {}

    def add(self, values: dict[str, torch.Tensor | float]) -> None:
        for k, v in values.items():
            v = v.detach().float() if isinstance(v, torch.Tensor) else v
            self.sums[k] = self.sums.get(k, 0.0) + v
            self.counts[k] = self.counts.get(k, 0) + 1

    def pop(self) -> dict[str, float]:
        means = {k: float(v) / self.counts[k] for k, v in self.sums.items()}
        self.sums, self.counts = {}, {}
        return means


def restore(ckpt: dict, optimizers: dict[str, torch.optim.Optimizer], precision: Precision) -> int:
    """Load optimiser, scaler and RNG state from a checkpoint being resumed; returns its step."""
    for name, optimizer in optimizers.items():
        optimizer.load_state_dict(ckpt["optimizers"][name])
    precision.scaler.load_state_dict(ckpt["scaler"])
    set_rng_state(ckpt["rng"])
    return ckpt["step"]


def snapshot(path: Path, phase: str, cfg: RunArgs, step: int, history: list[str],
             models: dict[str, nn.Module], optimizers: dict[str, torch.optim.Optimizer],
             precision: Precision, **extra) -> Path:
    """Save everything `restore` needs plus the models and `extra` fields (see checkpoint.py)."""
    return save_checkpoint(
        path, phase=phase, config=dataclasses.asdict(cfg), step=step, rng=rng_state(), history=history,
        models={k: m.state_dict() for k, m in models.items()},
        optimizers={k: o.state_dict() for k, o in optimizers.items()},
        scaler=precision.scaler.state_dict(), **extra)
