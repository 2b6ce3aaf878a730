"""`evaluate-fill`: how well wide holes are filled, by OpenCV's Telea, by the repair default (Telea,
FSR over the wide regions) and by the repair with a FillNet correcting FSR over the wide regions.

Held-out photo i is aged like the training crops and holed by `wide_holes(extras=False)` (wide
scratches 3-15 px, blobs up to ~20 px) drawn with seed (seed, i), so every model is scored on the
same pictures. Per image: PSNR over the hole pixels, SSIM averaged over the hole pixels and over
a band of BAND px around the holes (does the fill continue the structure beyond its edge?), both
from scikit-image's SSIM map (7x7 window); the figures are means over the images.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image
from skimage.metrics import structural_similarity

from nogan.restore.fill_net import FillNet, load_fill_net
from nogan.restore.repair import TELEA_RADIUS, inpaint

from ..checkpoint import load_checkpoint
from ..config import FillEvaluateConfig
from ..data import list_images, load_rgb, split_files
from ..runtime import select_device
from .data import aged_grey
from .masks import wide_holes
from .model import fill_net_from

BAND = 8  # px around the holes in the band SSIM
SHEET_CROP = 96  # px side of each crop in the contact sheet
SHEET_ROWS = 8

Sample = tuple[np.ndarray, np.ndarray]  # (grey uint8 picture, bool holes)
Method = Callable[[np.ndarray, np.ndarray], np.ndarray]


def held_out_samples(files: list[Path], seed: int) -> list[Sample]:
    """(aged grey uint8 photo, holes) per file, whole photos, drawn with (seed, i)."""
    samples = []
    for i, path in enumerate(files):
        rng = np.random.default_rng([seed, i])
        grey = aged_grey(np.asarray(load_rgb(path).convert("L")), rng)
        samples.append((grey, wide_holes(*grey.shape, rng, extras=False)))
    return samples


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255 ** 2 / max(mse, 1e-10)))


def hole_scores(result: np.ndarray, truth: np.ndarray, holes: np.ndarray) -> dict[str, float]:
    """PSNR in the holes, SSIM in the holes and in the band around them, for one picture."""
    _, ssim_map = structural_similarity(truth, result, data_range=255, full=True)
    band = cv2.dilate(holes.astype(np.uint8), np.ones((2 * BAND + 1,) * 2, np.uint8)).astype(bool)
    return {"psnr_hole": psnr(result[holes], truth[holes]), "ssim_hole": float(ssim_map[holes].mean()),
            "ssim_band": float(ssim_map[band].mean())}


def methods(net: FillNet | None) -> dict[str, Method]:
    """The fills compared: name -> (grey with holes, holes) -> filled grey."""
    found = {"telea": lambda image, holes: cv2.inpaint(image, holes.astype(np.uint8), TELEA_RADIUS, cv2.INPAINT_TELEA),
             "fsr": inpaint}
    if net is not None:
        found["learned"] = lambda image, holes: inpaint(image, holes, fill_net=net)
    return found


def learned_psnr(net: FillNet, samples: list[Sample]) -> float:
    """Mean PSNR in the holes of `repair.inpaint` with `net`, eval mode (left so)."""
    net.eval()
    return float(np.mean([psnr(inpaint(grey, holes, fill_net=net)[holes], grey[holes]) for grey, holes in samples]))


def contact_sheet(rows: list[list[np.ndarray]], path: str | Path) -> None:
    """Crops side by side (one row per picture), enlarged x2 without smoothing, as a grey PNG."""
    gap = 4
    tiles = [np.concatenate([np.pad(c, ((0, gap), (0, gap)), constant_values=255) for c in row], 1) for row in rows]
    sheet = np.concatenate(tiles, 0)
    Image.fromarray(sheet.repeat(2, 0).repeat(2, 1)).save(path)


def crop_around_holes(holes: np.ndarray, side: int) -> tuple[slice, slice]:
    """A `side`-px square centred on the hole pixels' densest spot (box-filtered), inside the picture."""
    density = cv2.boxFilter(holes.astype(np.float32), -1, (side // 2, side // 2))
    y, x = np.unravel_index(np.argmax(density), density.shape)
    h, w = holes.shape
    y0, x0 = int(np.clip(y - side // 2, 0, max(0, h - side))), int(np.clip(x - side // 2, 0, max(0, w - side)))
    return slice(y0, y0 + side), slice(x0, x0 + side)


def load_any(model: str) -> FillNet:
    """A FillNet from a 'fill' checkpoint file or an exported folder, eval mode."""
    if Path(model).is_dir():
        return load_fill_net(model)
    return fill_net_from(load_checkpoint(model, "fill")).eval()


def run(cfg: FillEvaluateConfig) -> dict:
    if not cfg.model:
        raise ValueError("evaluate-fill needs --model (a fill checkpoint or folder)")
    device = select_device(cfg.device)
    _, files = split_files(list_images(cfg.data), cfg.val_fraction)
    files = files[:cfg.max_images] if cfg.max_images else files
    compared = methods(load_any(cfg.model).to(device))
    scores: dict[str, list[dict[str, float]]] = {name: [] for name in compared}
    rows = []
    with torch.no_grad():
        for grey, holes in held_out_samples(files, cfg.seed):
            damaged = np.where(holes, 255, grey).astype(np.uint8)
            results = {name: fill(damaged, holes) for name, fill in compared.items()}
            for name, result in results.items():
                scores[name].append(hole_scores(result, grey, holes))
            if cfg.sheet and len(rows) < SHEET_ROWS:
                ys, xs = crop_around_holes(holes, SHEET_CROP)
                rows.append([damaged[ys, xs], *(r[ys, xs] for r in results.values()), grey[ys, xs]])
    if rows:
        contact_sheet(rows, cfg.sheet)
    summary = {name: {k: float(np.mean([s[k] for s in per_image])) for k in per_image[0]}
               for name, per_image in scores.items()}
    result = {"model": cfg.model, "images": len(files), "band_px": BAND,
              "sheet_columns": ["damaged", *compared, "truth"] if rows else [], **summary}
    if cfg.out:
        Path(cfg.out).write_text(json.dumps(result, indent=2) + "\n")
    return result
