"""Our own model format: a folder (or Hub repo) with `model.safetensors` and `config.json`.

`config.json` holds `{"format": "nogan", "generator": GeneratorConfig fields,
"render_factor": {"photo": int, "video": int}, "name": str}`. Weights are plain (spectral and
weight norm folded in), fp16 or fp32, in our module names.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import torch

from ..models import GeneratorConfig, UnetGenerator, fold_weight_parametrizations
from .folder import CONFIG_NAME, WEIGHTS_NAME, load_model_weights, read_model_config, save_model_folder

__all__ = ["CONFIG_NAME", "WEIGHTS_NAME", "ModelInfo", "load_pretrained", "read_config", "save_pretrained"]


@dataclass(frozen=True)
class ModelInfo:
    """What a loaded model says about itself."""

    name: str
    photo_render_factor: int = 35
    video_render_factor: int = 21


def save_pretrained(model: UnetGenerator, folder: str | Path, name: str, photo_render_factor: int = 35,
                    video_render_factor: int = 21, dtype: torch.dtype = torch.float16) -> Path:
    """Write `model` in our format. Parametrisations (spectral norm) are folded into a copy."""
    plain = fold_weight_parametrizations(copy.deepcopy(model).cpu().eval())
    config = {"format": "nogan", "name": name, "generator": model.config.to_dict(),
              "render_factor": {"photo": photo_render_factor, "video": video_render_factor}}
    return save_model_folder(plain, folder, config, dtype)


def read_config(folder: str | Path) -> tuple[GeneratorConfig, ModelInfo]:
    raw = read_model_config(folder, "nogan", required=("generator",))
    rf = raw.get("render_factor", {})
    info = ModelInfo(raw.get("name", Path(folder).name), int(rf.get("photo", 35)), int(rf.get("video", 21)))
    return GeneratorConfig.from_dict(raw["generator"]), info


def load_pretrained(folder: str | Path) -> tuple[UnetGenerator, ModelInfo]:
    """Load a model in our format from a local folder, in fp32, eval mode."""
    config, info = read_config(folder)
    return load_model_weights(UnetGenerator(config), folder), info
