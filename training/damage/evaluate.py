"""`evaluate-damage`: mask F1 with a 1-pixel tolerance on held-out photos with procedural damage.

Precision counts predicted pixels within one pixel (8-neighbourhood) of true damage; recall counts
true damage pixels within one pixel of a prediction; both are pooled over all images. Image i of
the held-out list is damaged with seed (seed, i), so every model is scored on the same pictures.
"""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import torch

from nogan.restore.damage import damage_probability
from nogan.restore.damage_net import DamageNet, load_damage_net

from ..checkpoint import load_checkpoint
from ..config import DamageEvaluateConfig
from ..data import list_images, load_rgb, split_files
from ..runtime import select_device
from .model import damage_net_from
from .synth import damage

_NEIGHBOURS = np.ones((3, 3), np.uint8)


def tolerant_counts(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """[predicted pixels near truth, predicted pixels, true pixels near a prediction, true pixels]."""
    near_truth = cv2.dilate(truth.astype(np.uint8), _NEIGHBOURS).astype(bool)
    near_pred = cv2.dilate(pred.astype(np.uint8), _NEIGHBOURS).astype(bool)
    return np.array([(pred & near_truth).sum(), pred.sum(), (truth & near_pred).sum(), truth.sum()], np.int64)


def f1_from_counts(counts: np.ndarray) -> dict[str, float]:
    tp_pred, n_pred, tp_true, n_true = counts
    precision = tp_pred / n_pred if n_pred else 1.0
    recall = tp_true / n_true if n_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": float(f1), "precision": float(precision), "recall": float(recall)}


def damaged_samples(files: list[Path], seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(damaged grey uint8, true mask) per file, whole photos, damage drawn with (seed, i)."""
    samples = []
    for i, path in enumerate(files):
        grey = np.asarray(load_rgb(path).convert("L"))
        samples.append(damage(grey, np.random.default_rng([seed, i]), clean_prob=0.0))
    return samples


@torch.no_grad()
def score(net: DamageNet, samples: list[tuple[np.ndarray, np.ndarray]], thresholds: tuple[float, ...],
          device: torch.device) -> dict[str, dict[str, float]]:
    """F1, precision and recall per threshold (as a string key) over `samples`."""
    counts = {t: np.zeros(4, np.int64) for t in thresholds}
    was_training = net.training
    net.eval()
    for damaged, truth in samples:
        prob = damage_probability(net, damaged, device=device, precision="fp32")
        for t in thresholds:
            counts[t] += tolerant_counts(prob >= t, truth)
    net.train(was_training)
    return {f"{t:g}": f1_from_counts(c) for t, c in counts.items()}


def load_any(model: str) -> DamageNet:
    """A DamageNet from a 'damage' checkpoint file or an exported folder."""
    if Path(model).is_dir():
        return load_damage_net(model)
    return damage_net_from(load_checkpoint(model, "damage"))


def run(cfg: DamageEvaluateConfig) -> dict:
    if not cfg.model:
        raise ValueError("evaluate-damage needs --model (a damage checkpoint or folder)")
    device = select_device(cfg.device)
    _, files = split_files(list_images(cfg.data), cfg.val_fraction)
    files = files[:cfg.max_images] if cfg.max_images else files
    by_threshold = score(load_any(cfg.model).to(device), damaged_samples(files, cfg.seed), cfg.thresholds, device)
    best = max(by_threshold, key=lambda t: by_threshold[t]["f1"])
    result = {"model": cfg.model, "images": len(files), "tolerance_px": 1, "best_threshold": float(best),
              **by_threshold[best], "by_threshold": by_threshold}
    if cfg.out:
        Path(cfg.out).write_text(json.dumps(result, indent=2) + "\n")
    return result
