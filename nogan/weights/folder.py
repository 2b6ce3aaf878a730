"""The folder every model of ours is stored in: `config.json` beside `model.safetensors`.

`config.json` holds `{"format": <the model kind's tag>, "name": str, ...the kind's own fields}`;
`model.safetensors` holds the state dict in our module names, fp16 or fp32 (read back as fp32).
The colorizers (`pretrained.py`), the damage model and the fill model all use it.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from .state_dict import load_strict

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"


def save_model_folder(model: nn.Module, folder: str | Path, config: dict,
                      dtype: torch.dtype = torch.float16) -> Path:
    """Write `model`'s weights (floating tensors as `dtype`) and `config` into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: (v.detach().cpu().to(dtype) if v.is_floating_point() else v.detach().cpu()).contiguous()
               for k, v in model.state_dict().items()}
    save_file(tensors, folder / WEIGHTS_NAME, metadata={"format": "pt"})
    (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n")
    return folder


def read_model_config(folder: str | Path, format: str, required: Iterable[str] = ()) -> dict:
    """The `config.json` of `folder`; a ValueError unless it is of `format` and has the `required` keys."""
    path = Path(folder) / CONFIG_NAME
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"cannot read model config {path}: {e}") from e
    if not isinstance(raw, dict) or raw.get("format") != format or any(key not in raw for key in required):
        raise ValueError(f"{path} is not a {format!r} model config (format must be {format!r}"
                         + "".join(f", with {key!r}" for key in required) + ")")
    return raw


def load_model_weights(model: nn.Module, folder: str | Path) -> nn.Module:
    """`model` with the weights of `folder` loaded strictly (as fp32), in eval mode."""
    state = {k: v.float() if v.is_floating_point() else v for k, v in load_file(Path(folder) / WEIGHTS_NAME).items()}
    load_strict(model, state, source=str(folder))
    return model.eval()
