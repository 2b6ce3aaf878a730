"""Our own model format: a folder (or Hub repo) with `model.safetensors` and `config.json`.

`config.json` holds `{"format": "nogan", "generator": GeneratorConfig fields,
"render_factor": {"photo": int, "video": int}, "name": str}`. Weights are plain (spectral and
weight norm folded in), fp16 or fp32, in our module names.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from ..models import GeneratorConfig, UnetGenerator, fold_weight_parametrizations
from .state_dict import load_strict

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"


@dataclass(frozen=True)
class ModelInfo:
    """What a loaded model says about itself."""

    name: str
    photo_render_factor: int = 35
    video_render_factor: int = 21


def save_pretrained(model: UnetGenerator, folder: str | Path, name: str, photo_render_factor: int = 35,
                    video_render_factor: int = 21, dtype: torch.dtype = torch.float16) -> Path:
    """Write `model` in our format. Parametrisations (spectral norm) are folded into a copy."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    plain = fold_weight_parametrizations(copy.deepcopy(model).cpu().eval())
    tensors = {k: (v.to(dtype) if v.is_floating_point() else v).contiguous()
               for k, v in plain.state_dict().items()}
    save_file(tensors, folder / WEIGHTS_NAME, metadata={"format": "pt"})
    config = {"format": "nogan", "name": name, "generator": model.config.to_dict(),
              "render_factor": {"photo": photo_render_factor, "video": video_render_factor}}
    (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n")
    return folder


def read_config(folder: str | Path) -> tuple[GeneratorConfig, ModelInfo]:
    path = Path(folder) / CONFIG_NAME
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"cannot read model config {path}: {e}") from e
    if raw.get("format") != "nogan" or "generator" not in raw:
        raise ValueError(f"{path} is not a nogan model config (expected format 'nogan')")
    rf = raw.get("render_factor", {})
    info = ModelInfo(raw.get("name", Path(folder).name), int(rf.get("photo", 35)), int(rf.get("video", 21)))
    return GeneratorConfig.from_dict(raw["generator"]), info


def load_pretrained(folder: str | Path) -> tuple[UnetGenerator, ModelInfo]:
    """Load a model in our format from a local folder, in fp32, eval mode."""
    config, info = read_config(folder)
    model = UnetGenerator(config)
    state = {k: v.float() if v.is_floating_point() else v for k, v in load_file(Path(folder) / WEIGHTS_NAME).items()}
    load_strict(model, state, source=str(folder))
    return model.eval(), info
