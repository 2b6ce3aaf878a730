"""Step 1: generator pretraining with the perceptual loss only (one progressive-resizing stage).

Run once per size (DeOldify: 64, 128, 192 px), each stage starting from the previous one with
`--init`. Within a stage the encoder is frozen for `freeze_epochs`, then everything trains with
learning rates rising from the early encoder layers to the decoder; each part follows its own
one-cycle schedule, like fastai's `fit_one_cycle` calls in DeOldify's notebooks.
"""
from __future__ import annotations

from pathlib import Path

import torch

from .checkpoint import checkpoint_path, generator_from, generator_start, load_checkpoint
from .config import PretrainGenConfig, command_line
from .csv_log import CsvLog
from .data import ColorizationPairs, list_images, split_files, steps_for
from .generator import build_generator, generator_config, group_lrs, param_groups, set_encoder_frozen
from .loop import Averager, batches, due, restore, setup, snapshot
from .losses import FeatureLoss, feature_network
from .schedule import one_cycle, set_lrs


def learning_rates(cfg: PretrainGenConfig, step: int, total: int, frozen_steps: int) -> list[float]:
    """Per-group learning rates at `step`: one one-cycle over the frozen part, one over the rest."""
    if step < frozen_steps:
        return [lr * one_cycle(step / frozen_steps, cfg.pct_start) for lr in group_lrs(cfg.lr, cfg.early_lr_ratio)]
    progress = (step - frozen_steps) / max(1, total - frozen_steps)
    return [lr * one_cycle(progress, cfg.pct_start) for lr in group_lrs(cfg.finetune_lr, cfg.early_lr_ratio)]


def run(cfg: PretrainGenConfig) -> Path:
    """Train one stage; returns its last checkpoint. Writes `<run>/<stage>/ckpt_*.pt` and `log.csv`."""
    device, precision = setup(cfg)
    train_files, _ = split_files(list_images(cfg.data), cfg.val_fraction)
    out = Path(cfg.run) / cfg.stage
    resumed = load_checkpoint(cfg.resume, "pretrain-gen") if cfg.resume else None
    if resumed:
        model, history = generator_from(resumed), resumed["history"]
    elif cfg.init:
        model, parent_history = generator_start(cfg.init)
        history = [*parent_history, command_line("pretrain-gen", cfg)]
    else:
        model = build_generator(generator_config(cfg), cfg.encoder_weights)
        history = [command_line("pretrain-gen", cfg)]
    model.to(device).train()
    loss_fn = FeatureLoss(feature_network(cfg.feature_net, cfg.feature_weights), cfg.layer_weights).to(device)
    optimizer = torch.optim.AdamW([{"params": g} for g in param_groups(model)], lr=cfg.lr,
                                  betas=(0.9, 0.99), weight_decay=cfg.weight_decay)
    total = steps_for(cfg.epochs, len(train_files), cfg.batch_size)
    frozen_steps = 0
    if cfg.freeze_epochs:
        frozen_steps = min(total, steps_for(cfg.freeze_epochs, len(train_files), cfg.batch_size))
    start = restore(resumed, {"generator": optimizer}, precision) if resumed else 0
    log = CsvLog(out / "log.csv", ["loss", "pixel", "feat0", "feat1", "feat2", "lr", "frozen"],
                 resume_step=start if resumed else None)
    path, averages = checkpoint_path(out, start), Averager()
    for step, (grey, colour) in batches(ColorizationPairs(train_files, cfg.size), cfg, start, total, cfg.stage):
        set_encoder_frozen(model, step < frozen_steps)
        lrs = learning_rates(cfg, step, total, frozen_steps)
        set_lrs(optimizer, lrs)
        grey, colour = grey.to(device), colour.to(device)
        with precision.autocast():
            loss = loss_fn(model(grey).float(), colour)
        precision.step(loss, optimizer)
        averages.add({"loss": loss, **loss_fn.parts})
        if due(step, cfg.log_every, total):
            log.write(step + 1, {**averages.pop(), "lr": lrs[-1], "frozen": float(step < frozen_steps)})
        if due(step, cfg.save_every, total):
            path = snapshot(checkpoint_path(out, step + 1), "pretrain-gen", cfg, step + 1, history,
                            {"generator": model}, {"generator": optimizer}, precision,
                            generator_config=model.config.to_dict())
    return path
