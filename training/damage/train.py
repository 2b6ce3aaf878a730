"""`train-damage`: DamageNet on procedural damage, BCE + soft dice, AdamW, one-cycle schedule.

With `--tolerance N` the pixels within N px of true damage that are not damage count for neither
loss: a thin scratch may be marked a little wide.

Writes `<run>/ckpt_<step>.pt`, `<run>/log.csv` (losses; F1 on held-out photos at each checkpoint)
and `<run>/best.pt`, a copy of the checkpoint with the best held-out F1 so far.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import torch
import torch.nn.functional as F

from nogan.restore.damage_net import load_damage_net

from ..checkpoint import checkpoint_path, load_checkpoint
from ..config import DamageConfig, command_line
from ..csv_log import CsvLog
from ..data import list_images, split_files, steps_for
from ..grey_unet import optimizer_for
from ..loop import Averager, batches, due, restore, setup, snapshot
from ..schedule import one_cycle, set_lrs
from .data import DamagePairs
from .evaluate import damaged_samples, score
from .model import build_damage_net, damage_net_from

VAL_SEED = 4321
VAL_THRESHOLD = 0.5


def dice_loss(logits: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None,
              eps: float = 1.0) -> torch.Tensor:
    """1 - soft dice over the whole batch (sparse damage: per-image dice of empty masks is noise);
    pixels of `weight` 0 are left out."""
    prob = torch.sigmoid(logits) if weight is None else torch.sigmoid(logits) * weight
    inter = (prob * target).sum()
    return 1 - (2 * inter + eps) / (prob.sum() + target.sum() + eps)


def tolerance_weight(mask: torch.Tensor, tolerance: int) -> torch.Tensor | None:
    """(B, 1, H, W) 0 on the pixels within `tolerance` px of damage in `mask` that are not damage,
    1 elsewhere; None for no tolerance."""
    if tolerance <= 0:
        return None
    near = F.max_pool2d(mask, 2 * tolerance + 1, stride=1, padding=tolerance)
    return 1 - (near - mask)


def run(cfg: DamageConfig) -> Path:
    """Train; returns the last checkpoint."""
    device, precision = setup(cfg)
    train_files, val_files = split_files(list_images(cfg.data), cfg.val_fraction)
    out = Path(cfg.run)
    resumed = load_checkpoint(cfg.resume, "damage") if cfg.resume else None
    if resumed:
        net, history = damage_net_from(resumed), resumed["history"]
    elif cfg.init and Path(cfg.init).is_dir():  # an exported model: fine-tune the shipped weights
        net, history = load_damage_net(cfg.init), [f"init from exported {cfg.init}", command_line("train-damage", cfg)]
    elif cfg.init:
        parent = load_checkpoint(cfg.init, "damage")
        net, history = damage_net_from(parent), [*parent["history"], command_line("train-damage", cfg)]
    else:
        net, history = build_damage_net(cfg), [command_line("train-damage", cfg)]
    net.to(device).train()
    optimizer, base_lrs, frozen = optimizer_for(net, cfg.lr, cfg.encoder_lr_ratio, cfg.weight_decay,
                                                cfg.frozen_stages)
    total = steps_for(cfg.epochs, len(train_files), cfg.batch_size)
    start = restore(resumed, {"damage_net": optimizer}, precision) if resumed else 0
    best_f1 = resumed.get("best_f1", -1.0) if resumed else -1.0
    val = damaged_samples(val_files[:cfg.val_images], VAL_SEED) if val_files and cfg.val_images else []
    log = CsvLog(out / "log.csv", ["loss", "bce", "dice", "lr", "val_f1", "val_precision", "val_recall"],
                 resume_step=start if resumed else None)
    path, averages = checkpoint_path(out, start), Averager()
    dataset = DamagePairs(train_files, cfg.size, cfg.clean_prob)
    for step, (image, mask) in batches(dataset, cfg, start, total, "damage"):
        lrs = [lr * one_cycle(step / total, cfg.pct_start) for lr in base_lrs]
        set_lrs(optimizer, lrs)
        image, mask = image.to(device), mask.to(device)
        with precision.autocast():
            logits = net(image).float()
        weight = tolerance_weight(mask, cfg.tolerance)
        bce = F.binary_cross_entropy_with_logits(logits, mask, weight=weight)
        dice = dice_loss(logits, mask, weight)
        loss = bce + cfg.dice_weight * dice
        precision.step(loss, optimizer)
        averages.add({"loss": loss, "bce": bce, "dice": dice})
        row = None
        if due(step, cfg.log_every, total):
            row = {**averages.pop(), "lr": lrs[-1]}
        if due(step, cfg.save_every, total):
            metrics = score(net, val, (VAL_THRESHOLD,), device)[f"{VAL_THRESHOLD:g}"] if val else None
            frozen.eval()  # score() put the whole net back in training mode
            if metrics:
                row = {**(row or {}), **{f"val_{k}": v for k, v in metrics.items()}}
            f1 = metrics["f1"] if metrics else 0.0
            improved = f1 > best_f1
            best_f1 = max(best_f1, f1)
            path = snapshot(checkpoint_path(out, step + 1), "damage", cfg, step + 1, history,
                            {"damage_net": net}, {"damage_net": optimizer}, precision,
                            damage_net_config=net.config.to_dict(), best_f1=best_f1, f1=f1)
            if improved:
                shutil.copyfile(path, out / "best.tmp")
                (out / "best.tmp").replace(out / "best.pt")
        if row:
            log.write(step + 1, row)
    return path
