"""Step 3: critic pretraining, a binary classifier of real colour photos (1) vs generated ones (0).

Reads the training photos and `<run>/cycleNN/gen_images/`; writes `<run>/cycleNN/critic/ckpt_*.pt`
and `log.csv` (loss, accuracy). Later cycles continue from the previous cycle's critic (`--init`).
"""
from __future__ import annotations

from pathlib import Path

import torch

from .checkpoint import checkpoint_path, critic_from, cycle_dir, load_checkpoint
from .config import CriticArgs, PretrainCriticConfig, command_line
from .critic import Critic
from .csv_log import CsvLog
from .data import RealVsGenerated, list_images, split_files, steps_for
from .loop import Averager, batches, due, restore, setup, snapshot
from .losses import critic_loss
from .schedule import one_cycle, set_lrs


def build_critic(args: CriticArgs) -> tuple[Critic, dict]:
    """A fresh critic and the config that rebuilds it (stored in checkpoints)."""
    config = {"nf": args.critic_nf, "n_blocks": args.critic_blocks, "dropout": args.critic_dropout}
    return Critic(**config), config


def run(cfg: PretrainCriticConfig) -> Path:
    """Train the critic; returns its last checkpoint."""
    device, precision = setup(cfg)
    folder = cycle_dir(cfg.run, cfg.cycle)
    real, _ = split_files(list_images(cfg.data), cfg.val_fraction)
    dataset = RealVsGenerated(real, list_images(folder / "gen_images"), cfg.size)
    resumed = load_checkpoint(cfg.resume, "pretrain-critic") if cfg.resume else None
    if resumed:
        critic, config, history = critic_from(resumed), resumed["critic_config"], resumed["history"]
    elif cfg.init:
        parent = load_checkpoint(cfg.init, ("pretrain-critic", "gan"))
        critic, config = critic_from(parent), parent["critic_config"]
        history = [*parent["history"], command_line("pretrain-critic", cfg)]
    else:
        (critic, config), history = build_critic(cfg), [command_line("pretrain-critic", cfg)]
    critic.to(device).train()
    optimizer = torch.optim.AdamW(critic.parameters(), lr=cfg.lr, betas=(0.9, 0.99), weight_decay=cfg.weight_decay)
    total = steps_for(cfg.epochs, len(dataset), cfg.batch_size)
    start = restore(resumed, {"critic": optimizer}, precision) if resumed else 0
    log = CsvLog(folder / "critic" / "log.csv", ["loss", "accuracy", "lr"], resume_step=start if resumed else None)
    path, averages = checkpoint_path(folder / "critic", start), Averager()
    for step, (images, labels) in batches(dataset, cfg, start, total, f"critic c{cfg.cycle}"):
        lr = cfg.lr * one_cycle(step / total)
        set_lrs(optimizer, [lr])
        images, labels = images.to(device), labels.to(device)
        with precision.autocast():
            logits = critic(images).float()
        loss = critic_loss(logits, labels)
        precision.step(loss, optimizer)
        accuracy = ((logits.mean(1) > 0).float() == labels).float().mean()
        averages.add({"loss": loss, "accuracy": accuracy})
        if due(step, cfg.log_every, total):
            log.write(step + 1, {**averages.pop(), "lr": lr})
        if due(step, cfg.save_every, total):
            path = snapshot(checkpoint_path(folder / "critic", step + 1), "pretrain-critic", cfg, step + 1,
                            history, {"critic": critic}, {"critic": optimizer}, precision, critic_config=config)
    return path
