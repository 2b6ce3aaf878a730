"""(damaged grey crop, damage mask) pairs from clean photos, a pure function of the sample seed."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from ..data import load_rgb, random_crop
from .synth import damage


class DamagePairs(Dataset):
    """Random crops of photos, grey, with procedural damage: ((1, s, s) float grey in [0, 1],
    (1, s, s) float mask in {0, 1}). Indexed by (file index, sample seed) as `StepSampler` yields."""

    def __init__(self, files: list[Path], size: int, clean_prob: float = 0.1):
        self.files, self.size, self.clean_prob = files, size, clean_prob

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        index, seed = key
        # min_scale 0.4: damage should be seen at several magnifications of the photo
        crop = random_crop(load_rgb(self.files[index]), self.size, random.Random(seed), min_scale=0.4)
        damaged, mask = damage(np.asarray(crop.convert("L")), np.random.default_rng(seed), self.clean_prob)
        return (torch.from_numpy(damaged).float().div_(255).unsqueeze(0),
                torch.from_numpy(mask).float().unsqueeze(0))
