"""Strict state-dict loading with an error that says exactly what does not fit."""
from __future__ import annotations

import torch
from torch import nn

from ..errors import WeightsMismatchError


def _listing(label: str, items: list[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit]) + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")
    return f"{len(items)} {label}: {shown}"


def load_strict(model: nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """Load `state` into `model`, requiring every key present, none extra, every shape equal."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    misshaped = [f"{k} {tuple(state[k].shape)} != {tuple(v.shape)}" for k, v in expected.items()
                 if k in state and state[k].shape != v.shape]
    if missing or unexpected or misshaped:
        parts = [_listing(label, items) for label, items in
                 (("missing", missing), ("unexpected", unexpected), ("mis-shaped", misshaped)) if items]
        raise WeightsMismatchError(f"weights from {source} do not fit the model: " + "; ".join(parts))
    model.load_state_dict(state, strict=True)
