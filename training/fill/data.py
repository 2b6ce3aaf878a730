"""(FSR-filled grey crop, complete crop, hole mask) triples from clean photos, a pure function of
the sample seed: the network's input is made by `repair.inpaint`, as at inference, never stored."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from nogan.restore.repair import inpaint, wide_regions

from ..damage.synth import age, fading, scan
from ..data import load_rgb, random_crop
from .masks import wide_holes


def aged_grey(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A clean (H, W) uint8 grey photo as an old scan looks (fading, blur, grain, JPEG): the fill
    must continue that texture, so the targets carry it too."""
    return scan(age(photo.astype(np.float32), rng, fading(rng)), rng)


class FillPairs(Dataset):
    """Random grey crops of photos with procedural wide holes, all (1, s, s) float: the picture as
    `repair.inpaint` fills it without a network (Telea, FSR over the wide regions) in [0, 1], the
    complete picture in [0, 1], and the wide regions (`repair.wide_regions`, the pixels a FillNet
    corrects) in {0, 1}. Indexed by (file index, sample seed) as `StepSampler` yields them."""

    def __init__(self, files: list[Path], size: int):
        self.files, self.size = files, size

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        index, seed = key
        crop = random_crop(load_rgb(self.files[index]), self.size, random.Random(seed), min_scale=0.4)
        rng = np.random.default_rng(seed)
        grey = aged_grey(np.asarray(crop.convert("L")), rng)
        holes = wide_holes(self.size, self.size, rng)
        filled = inpaint(grey, holes)
        regions = wide_regions(holes.astype(np.uint8))
        return (torch.from_numpy(filled).float().div_(255).unsqueeze(0),
                torch.from_numpy(grey).float().div_(255).unsqueeze(0),
                torch.from_numpy(regions).float().unsqueeze(0))
