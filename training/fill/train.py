"""`train-fill`: FillNet learns to correct FSR's fill of procedural wide holes; L1 in the holes plus
L1 of the image gradients there (edges continued, not smeared), AdamW, one-cycle schedule.

Writes `<run>/ckpt_<step>.pt`, `<run>/log.csv` (losses; PSNR in the holes of held-out photos at
each checkpoint) and `<run>/best.pt`, a copy of the checkpoint with the best held-out PSNR so far.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import torch

from ..checkpoint import checkpoint_path, load_checkpoint
from ..config import FillConfig, command_line
from ..csv_log import CsvLog
from ..data import list_images, split_files, steps_for
from ..grey_unet import optimizer_for
from ..loop import Averager, batches, due, restore, setup, snapshot
from ..schedule import one_cycle, set_lrs
from .data import FillPairs
from .evaluate import held_out_samples, learned_psnr
from .model import build_fill_net, fill_net_from

VAL_SEED = 4321


def hole_l1(output: torch.Tensor, target: torch.Tensor, holes: torch.Tensor) -> torch.Tensor:
    """Mean absolute error over the hole pixels of the batch (known pixels are exact anyway)."""
    return ((output - target).abs() * holes).sum() / holes.sum().clamp(min=1)


def gradient_l1(output: torch.Tensor, target: torch.Tensor, holes: torch.Tensor) -> torch.Tensor:
    """Mean absolute error of horizontal and vertical differences that touch a hole: a blur that
    is right on average but flattens an edge across the hole still pays here."""
    loss, count = output.new_zeros(()), output.new_zeros(())
    for dim in (2, 3):
        d_out, d_target = torch.diff(output, dim=dim), torch.diff(target, dim=dim)
        touch = torch.maximum(holes.narrow(dim, 0, holes.shape[dim] - 1), holes.narrow(dim, 1, holes.shape[dim] - 1))
        loss = loss + ((d_out - d_target).abs() * touch).sum()
        count = count + touch.sum()
    return loss / count.clamp(min=1)


def run(cfg: FillConfig) -> Path:
    """Train; returns the last checkpoint."""
    device, precision = setup(cfg)
    train_files, val_files = split_files(list_images(cfg.data), cfg.val_fraction)
    out = Path(cfg.run)
    resumed = load_checkpoint(cfg.resume, "fill") if cfg.resume else None
    if resumed:
        net, history = fill_net_from(resumed), resumed["history"]
    elif cfg.init:
        parent = load_checkpoint(cfg.init, "fill")
        net, history = fill_net_from(parent), [*parent["history"], command_line("train-fill", cfg)]
    else:
        net, history = build_fill_net(cfg), [command_line("train-fill", cfg)]
    net.to(device).train()
    optimizer, base_lrs, frozen = optimizer_for(net, cfg.lr, cfg.encoder_lr_ratio, cfg.weight_decay,
                                                cfg.frozen_stages)
    total = steps_for(cfg.epochs, len(train_files), cfg.batch_size)
    start = restore(resumed, {"fill_net": optimizer}, precision) if resumed else 0
    best_psnr = resumed.get("best_psnr", float("-inf")) if resumed else float("-inf")
    val = held_out_samples(val_files[:cfg.val_images], VAL_SEED) if val_files and cfg.val_images else []
    log = CsvLog(out / "log.csv", ["loss", "l1", "edge", "lr", "val_psnr"], resume_step=start if resumed else None)
    path, averages = checkpoint_path(out, start), Averager()
    for step, (filled, image, holes) in batches(FillPairs(train_files, cfg.size), cfg, start, total, "fill"):
        lrs = [lr * one_cycle(step / total, cfg.pct_start) for lr in base_lrs]
        set_lrs(optimizer, lrs)
        filled, image, holes = filled.to(device), image.to(device), holes.to(device)
        with precision.autocast():
            output = net(filled, holes).float()
        l1 = hole_l1(output, image, holes)
        edge = gradient_l1(output, image, holes)
        loss = l1 + cfg.edge_weight * edge
        precision.step(loss, optimizer)
        averages.add({"loss": loss, "l1": l1, "edge": edge})
        row = None
        if due(step, cfg.log_every, total):
            row = {**averages.pop(), "lr": lrs[-1]}
        if due(step, cfg.save_every, total):
            psnr = learned_psnr(net, val) if val else float("-inf")
            net.train()
            frozen.eval()
            if val:
                row = {**(row or {}), "val_psnr": psnr}
            improved = psnr > best_psnr
            best_psnr = max(best_psnr, psnr)
            path = snapshot(checkpoint_path(out, step + 1), "fill", cfg, step + 1, history,
                            {"fill_net": net}, {"fill_net": optimizer}, precision,
                            fill_net_config=net.config.to_dict(), best_psnr=best_psnr, psnr=psnr)
            if improved:
                shutil.copyfile(path, out / "best.tmp")
                (out / "best.tmp").replace(out / "best.pt")
        if row:
            log.write(step + 1, row)
    return path
