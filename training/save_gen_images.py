"""Step 2: colour the training photos with the current generator: the critic's "fake" class.

Writes `<run>/cycleNN/gen_images/<photo name>.jpg`, each the generator's output for the photo
resized to a short side of `size` and crappified (deterministically per photo), saved as JPEG
like the real photos so that compression is no clue to the critic.
"""
from __future__ import annotations

import random
from pathlib import Path

import torch
from tqdm import tqdm

from .checkpoint import cycle_dir, generator_start
from .config import SaveGenImagesConfig
from .data import (
    crappify,
    list_images,
    load_rgb,
    resize_short,
    split_files,
    to_image,
    to_tensor,
)
from .loop import setup


def run(cfg: SaveGenImagesConfig) -> Path:
    """Returns the folder of generated images."""
    if not cfg.gen:
        raise ValueError("gen='' : pass the generator checkpoint with --gen")
    device, precision = setup(cfg)
    model = generator_start(cfg.gen)[0].to(device).eval()
    files, _ = split_files(list_images(cfg.data), cfg.val_fraction)
    if cfg.max_images:
        files = files[:cfg.max_images]
    out = cycle_dir(cfg.run, cfg.cycle) / "gen_images"
    out.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(tqdm(files, desc="gen images", dynamic_ncols=True)):
        grey = crappify(resize_short(load_rgb(path), cfg.size), random.Random(cfg.seed * 1_000_003 + i))
        with torch.no_grad(), precision.autocast():
            fake = model(to_tensor(grey)[None].to(device))
        to_image(fake[0]).save(out / f"{path.stem}.jpg", quality=90)
    return out
