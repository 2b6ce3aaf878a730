"""Training data: listing and splitting photos, "crappifying" them, and deterministic batches.

Tensors are ImageNet-normalised RGB, (3, H, W) float32, as `nogan` models take and return them.
Every random choice of a sample (crop, flip, degradation) comes from a seed derived from
(run seed, step, position in batch), so a batch is a pure function of the step number and a
resumed run sees exactly the data it would have seen without stopping, with any worker count.
"""
from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageEnhance, ImageFilter
from torch.utils.data import Dataset, Sampler

from nogan import imaging

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
IMAGENET_MEAN = torch.from_numpy(imaging.IMAGENET_MEAN).view(3, 1, 1)
IMAGENET_STD = torch.from_numpy(imaging.IMAGENET_STD).view(3, 1, 1)


def list_images(folder: str | Path) -> list[Path]:
    """Image files directly in `folder`, sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"data={str(folder)!r} is not a folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"data={str(folder)!r} holds no images ({', '.join(IMAGE_SUFFIXES)})")
    return files


def split_files(files: list[Path], val_fraction: float) -> tuple[list[Path], list[Path]]:
    """(train, validation): the files sorting into the last `val_fraction` are validation."""
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction={val_fraction} must be in [0, 1)")
    n_val = int(round(len(files) * val_fraction))
    return files[:len(files) - n_val], files[len(files) - n_val:]


def to_tensor(img: Image.Image) -> torch.Tensor:
    """PIL RGB -> ImageNet-normalised (3, H, W) float32."""
    x = torch.from_numpy(np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0).permute(2, 0, 1)
    return (x - IMAGENET_MEAN) / IMAGENET_STD


def to_image(x: torch.Tensor) -> Image.Image:
    """ImageNet-normalised (3, H, W) -> PIL RGB (clamped)."""
    x = (x.detach().float().cpu() * IMAGENET_STD + IMAGENET_MEAN).clamp(0, 1)
    return Image.fromarray((x.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))


def greyscale(img: Image.Image) -> Image.Image:
    """Luma (ITU-R 601) as three equal channels: the model's input format."""
    return img.convert("L").convert("RGB")


def crappify(img: Image.Image, rng: random.Random) -> Image.Image:
    """Turn a colour photo into a plausible old black-and-white print.

    Grey, then each degradation with its own probability: faded contrast, brightness shift, a
    yellowed or washed-out tone pulled towards a light grey, blur, film grain, JPEG artefacts.
    The result is grey again, so colour never leaks into the input.
    """
    img = greyscale(img)
    if rng.random() < 0.7:
        img = ImageEnhance.Contrast(img).enhance(rng.uniform(0.5, 1.0))
    if rng.random() < 0.7:
        img = ImageEnhance.Brightness(img).enhance(rng.uniform(0.75, 1.2))
    if rng.random() < 0.3:  # fading: blend towards a flat light tone
        img = Image.blend(img, Image.new("RGB", img.size, (200, 200, 200)), rng.uniform(0.1, 0.4))
    if rng.random() < 0.4:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2)))
    if rng.random() < 0.5:
        noise = np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(2, 12), img.size[::-1])
        grey = np.asarray(img.convert("L"), dtype=np.float32) + noise
        img = Image.fromarray(grey.clip(0, 255).astype(np.uint8))
    if rng.random() < 0.6:
        buf = io.BytesIO()
        img.convert("L").save(buf, format="JPEG", quality=rng.randint(15, 70))
        img = Image.open(io.BytesIO(buf.getvalue()))
    return greyscale(img)


def random_crop(img: Image.Image, size: int, rng: random.Random, min_scale: float = 0.6) -> Image.Image:
    """A random square covering min_scale..1 of the short side, resized to `size`, maybe flipped."""
    w, h = img.size
    side = int(min(w, h) * rng.uniform(min_scale, 1.0))
    left, top = rng.randint(0, w - side), rng.randint(0, h - side)
    img = img.crop((left, top, left + side, top + side)).resize((size, size), Image.BICUBIC)
    return img.transpose(Image.FLIP_LEFT_RIGHT) if rng.random() < 0.5 else img


def center_crop(img: Image.Image, size: int) -> Image.Image:
    """The central square, resized to `size` (deterministic, for validation)."""
    w, h = img.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    return img.crop((left, top, left + side, top + side)).resize((size, size), Image.BICUBIC)


def resize_short(img: Image.Image, size: int) -> Image.Image:
    """Resize so that the short side is `size`, keeping the aspect ratio."""
    scale = size / min(img.size)
    return img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.BICUBIC)


def load_rgb(path: str | Path) -> Image.Image:
    with Image.open(path) as img:
        return img.convert("RGB")


class ColorizationPairs(Dataset):
    """(crappified grey input, colour target) crops of colour photos, both (3, size, size).

    Indexed by (file index, sample seed) pairs as `StepSampler` yields them.
    """

    def __init__(self, files: list[Path], size: int):
        self.files, self.size = files, size

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        index, seed = key
        rng = random.Random(seed)
        target = random_crop(load_rgb(self.files[index]), self.size, rng)
        return to_tensor(crappify(target, rng)), to_tensor(target)


class RealVsGenerated(Dataset):
    """Crops labelled 1.0 for real colour photos and 0.0 for generated ones, for the critic."""

    def __init__(self, real: list[Path], generated: list[Path], size: int):
        self.items = [(p, 1.0) for p in real] + [(p, 0.0) for p in generated]
        self.size = size

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        index, seed = key
        path, label = self.items[index]
        # generated images have a short side of their own: bring both classes to the crop size
        # first, so that resampling is no clue to the label
        img = resize_short(load_rgb(path), self.size)
        return to_tensor(random_crop(img, self.size, random.Random(seed))), torch.tensor(label)


class StepSampler(Sampler[list[tuple[int, int]]]):
    """Batches of (index, sample seed) for steps `start`, `start + 1`, ... `stop - 1`.

    Epoch e is a permutation seeded by (seed, e); incomplete last batches are dropped, unless the
    dataset is smaller than one batch, in which case every batch is the whole (shuffled) dataset.
    """

    def __init__(self, n: int, batch_size: int, seed: int, start: int, stop: int):
        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size} must be at least 1")
        self.n, self.batch_size, self.seed, self.start, self.stop = n, batch_size, seed, start, stop
        self.per_epoch = max(1, n // batch_size)

    def __len__(self) -> int:
        return max(0, self.stop - self.start)

    def __iter__(self):
        for step in range(self.start, self.stop):
            epoch, pos = divmod(step, self.per_epoch)
            order = torch.randperm(self.n, generator=torch.Generator().manual_seed(self.seed * 100_003 + epoch))
            indices = order[pos * self.batch_size:(pos + 1) * self.batch_size].tolist()
            # a distinct seed per (run seed, step, slot) keeps samples independent across steps
            yield [(i, (self.seed << 40) + (step << 12) + j) for j, i in enumerate(indices)]


def steps_for(epochs: float, n_items: int, batch_size: int) -> int:
    """Optimiser steps in `epochs` passes over `n_items` (at least one)."""
    if epochs <= 0:
        raise ValueError(f"epochs={epochs} must be positive")
    return max(1, round(epochs * max(1, n_items // batch_size)))
