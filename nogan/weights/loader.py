"""Resolve a model name, Hub repo or local path to a loaded `UnetGenerator` (fp32, CPU, eval)."""
from __future__ import annotations

import re
from pathlib import Path

import torch

from ..models import UnetGenerator
from .deoldify import convert_state_dict, infer_config, is_deoldify_state
from .hub import fetch, verify
from .pretrained import CONFIG_NAME, WEIGHTS_NAME, ModelInfo, load_pretrained, read_config
from .registry import MODELS
from .state_dict import load_strict

BUNDLED = {"lite": Path(__file__).resolve().parent.parent / "lite"}
_HUB_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")


def available_models() -> list[str]:
    """Names accepted by `load_model` (bundled ones only when their files are present)."""
    return list(MODELS) + [name for name, folder in BUNDLED.items() if (folder / CONFIG_NAME).is_file()]


def read_checkpoint(path: str | Path) -> dict[str, torch.Tensor]:
    """A DeOldify `.pth` state dict, unpickled with `weights_only=True` (plus `slice`, which old files use)."""
    with torch.serialization.safe_globals([slice]):
        state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]  # fastai's learner.save() wraps the weights with the optimizer state
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path} does not hold a state dict of tensors")
    return state


def load_checkpoint(path: str | Path) -> tuple[UnetGenerator, ModelInfo]:
    """A bare DeOldify `.pth`: the architecture is inferred from its tensor shapes."""
    state = read_checkpoint(path)
    if not is_deoldify_state(state):
        raise ValueError(f"{path} is not a DeOldify generator checkpoint (no 'layers.0.' keys); "
                         f"for our own models pass the folder with {CONFIG_NAME} and {WEIGHTS_NAME}")
    model = UnetGenerator(infer_config(state))
    load_strict(model, convert_state_dict(state), source=str(path))
    return model.eval(), ModelInfo(Path(path).stem)


def check_source(name_or_path: str | Path) -> str:
    """Validate a model reference without loading anything; returns it as a string."""
    key = str(name_or_path)
    if key in available_models() or Path(key).expanduser().exists():
        return key
    if _HUB_REPO.match(key) and not Path(key).suffix:
        return key
    raise ValueError(f"model={key!r} is neither a known model ({', '.join(available_models())}), "
                     "an existing file or folder, nor a Hub repo id 'owner/name'")


def model_info(name_or_path: str | Path) -> ModelInfo | None:
    """What a model says about itself (name, render factors), read without loading its weights: for a
    registered name, the bundled model or a folder in our format; None for a `.pth` file or a Hub
    repo id, which say it only once loaded. A folder with a broken config raises `ValueError`."""
    key = str(name_or_path)
    if key in MODELS:
        spec = MODELS[key]
        return ModelInfo(key, spec.photo_render_factor, spec.video_render_factor)
    folder = BUNDLED.get(key, Path(key).expanduser())
    return read_config(folder)[1] if (folder / CONFIG_NAME).is_file() else None


def load_model(name_or_path: str | Path) -> tuple[UnetGenerator, ModelInfo]:
    """Load a registered name ('artistic', 'stable', 'video', 'lite'), a local folder or `.pth`
    file, or a Hub repo id ('owner/name') holding a model in our format."""
    key = check_source(name_or_path)
    if key in MODELS:
        spec = MODELS[key]
        path = fetch(spec.repo_id, spec.filename, spec.revision)
        verify(path, spec.sha256, spec.size)
        model = UnetGenerator(spec.config)
        load_strict(model, convert_state_dict(read_checkpoint(path)), source=str(path))
        return model.eval(), model_info(key)
    if key in BUNDLED and (BUNDLED[key] / CONFIG_NAME).is_file():
        return load_pretrained(BUNDLED[key])
    path = Path(key).expanduser()
    if path.is_dir():
        return load_pretrained(path)
    if path.is_file():
        return load_checkpoint(path)
    folder = fetch(key, CONFIG_NAME).parent
    fetch(key, WEIGHTS_NAME)
    return load_pretrained(folder)
