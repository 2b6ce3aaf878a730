"""Colouring photos with a generator being trained, through nogan's own `Colorizer`, so that
evaluation sees exactly the pre- and post-processing the app uses."""
from __future__ import annotations

from pathlib import Path

from nogan import Colorizer
from nogan.weights.pretrained import CONFIG_NAME, load_pretrained

from .checkpoint import generator_from, load_checkpoint
from .runtime import select_device


def load_colorizer(path: str | Path, device: str = "auto") -> Colorizer:
    """An fp32 Colorizer for a nogan model folder or a 'pretrain-gen'/'gan' checkpoint."""
    path = Path(path)
    if path.is_dir():
        if not (path / CONFIG_NAME).is_file():
            raise ValueError(f"model={str(path)!r} is a folder without {CONFIG_NAME}: not a nogan model")
        model = load_pretrained(path)[0]
    else:
        model = generator_from(load_checkpoint(path, ("pretrain-gen", "gan")))
    return Colorizer(model, device=select_device(device), precision="fp32")
