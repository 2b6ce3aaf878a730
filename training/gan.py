"""Step 4: the short GAN phase of NoGAN, and the loss-threshold switch between its two players.

Generator loss = perceptual_weight * FeatureLoss(fake, real) + adversarial_weight * BCE(critic(fake), real)
                 [+ cast_weight * cast + saturation_weight * saturation + chroma_weight * chroma],
the colour-balance terms of `colour_balance_losses(fake, real)`.
Critic loss = (BCE(critic(real), real) + BCE(critic(fake), fake)) / 2.
Both use Adam with betas (0, 0.9); the critic's learning rate is `critic_lr_factor` times the
generator's (TTUR). Each step uses one batch, for whichever player the switch chose.
Checkpoints `<run>/cycleNN/gan/ckpt_<step>.pt` are written at the start (step 0: the incoming
generator, the sweep's baseline) and every `checkpoint_every` of the training photos seen.
"""
from __future__ import annotations

import math
from pathlib import Path

import torch

from nogan.models import UnetGenerator

from .checkpoint import (checkpoint_path, critic_from, cycle_dir, generator_from, generator_start,
                         latest_checkpoint, load_checkpoint)
from .config import GanConfig, command_line
from .critic import Critic
from .csv_log import CsvLog
from .data import ColorizationPairs, list_images, split_files, steps_for
from .loop import Averager, batches, due, restore, setup, snapshot
from .losses import FeatureLoss, colour_balance_losses, critic_loss, feature_network

CRITIC, GENERATOR = "critic", "generator"


class ThresholdSwitch:
    """Decides who trains next from the loss of the step just taken (DeOldify's AdaptiveGANSwitcher).

    Rule: training starts with the critic. The critic keeps training until one of its steps has a
    loss below `critic_thresh`; the generator then takes over. The generator keeps training until
    one of its steps has a (total) loss below `gen_thresh`; with `gen_thresh=None`, DeOldify's
    setting, that is after every generator step, so the generator takes exactly one step each
    time the critic has caught up.
    """

    def __init__(self, critic_thresh: float = 0.65, gen_thresh: float | None = None, mode: str = CRITIC):
        if mode not in (CRITIC, GENERATOR):
            raise ValueError(f"mode={mode!r} must be {CRITIC!r} or {GENERATOR!r}")
        self.critic_thresh, self.gen_thresh, self.mode = critic_thresh, gen_thresh, mode

    def update(self, loss: float) -> str:
        """Record the loss of a step of the current mode; returns the mode of the next step."""
        if self.mode == CRITIC:
            if loss < self.critic_thresh:
                self.mode = GENERATOR
        elif self.gen_thresh is None or loss < self.gen_thresh:
            self.mode = CRITIC
        return self.mode


def checkpoint_interval(cfg: GanConfig, n_photos: int) -> int:
    """Steps between checkpoints: `checkpoint_every` of the photos, in batches (at least one)."""
    if cfg.checkpoint_every <= 0:
        raise ValueError(f"checkpoint_every={cfg.checkpoint_every} must be a positive fraction")
    return max(1, math.floor(cfg.checkpoint_every * n_photos / cfg.batch_size))


def players(cfg: GanConfig, resumed: dict | None) -> tuple[UnetGenerator, Critic, dict, list[str]]:
    """Generator, critic, the critic's config and the command history, from the checkpoint being
    resumed or from `--gen` (a checkpoint or an exported model folder) and `--critic` (default: this
    cycle's last pretrained critic)."""
    if resumed:
        return generator_from(resumed), critic_from(resumed), resumed["critic_config"], resumed["history"]
    if not cfg.gen:
        raise ValueError("gen='' : pass the generator checkpoint to start from with --gen")
    generator, gen_history = generator_start(cfg.gen)
    critic_path = cfg.critic or latest_checkpoint(cycle_dir(cfg.run, cfg.cycle) / "critic")
    critic_ckpt = load_checkpoint(critic_path, ("pretrain-critic", "gan"))
    history = [*gen_history, *critic_ckpt["history"][-1:], command_line("gan", cfg)]
    return generator, critic_from(critic_ckpt), critic_ckpt["critic_config"], history


def run(cfg: GanConfig) -> Path:
    """Run the GAN phase of one cycle; returns its last checkpoint."""
    device, precision = setup(cfg)
    folder = cycle_dir(cfg.run, cfg.cycle) / "gan"
    train_files, _ = split_files(list_images(cfg.data), cfg.val_fraction)
    resumed = load_checkpoint(cfg.resume, "gan") if cfg.resume else None
    generator, critic, critic_config, history = players(cfg, resumed)
    generator.to(device).train()
    critic.to(device).train()
    loss_fn = FeatureLoss(feature_network(cfg.feature_net, cfg.feature_weights), cfg.layer_weights).to(device)
    optimizers = {
        GENERATOR: torch.optim.AdamW(generator.parameters(), lr=cfg.lr, betas=cfg.betas,
                                     weight_decay=cfg.weight_decay),
        CRITIC: torch.optim.AdamW(critic.parameters(), lr=cfg.lr * cfg.critic_lr_factor, betas=cfg.betas,
                                  weight_decay=cfg.weight_decay)}
    switch = ThresholdSwitch(cfg.critic_thresh, cfg.gen_thresh)
    start = restore(resumed, optimizers, precision) if resumed else 0
    if resumed:
        switch.mode = resumed["switch_mode"]
    total = steps_for(cfg.epochs, len(train_files), cfg.batch_size)
    every = checkpoint_interval(cfg, len(train_files))

    def save(step: int) -> Path:
        return snapshot(checkpoint_path(folder, step), "gan", cfg, step, history,
                        {GENERATOR: generator, CRITIC: critic}, optimizers, precision,
                        generator_config=generator.config.to_dict(), critic_config=critic_config,
                        switch_mode=switch.mode)

    log = CsvLog(folder / "log.csv", ["critic_loss", "gen_loss", "perceptual", "adversarial", "cast", "saturation",
                                      "chroma", "gen_share"],
                 resume_step=start if resumed else None)
    path = checkpoint_path(folder, start) if resumed else save(0)
    averages = Averager()
    data = ColorizationPairs(train_files, cfg.size)
    for step, (grey, colour) in batches(data, cfg, start, total, f"gan c{cfg.cycle}"):
        grey, colour = grey.to(device), colour.to(device)
        if switch.mode == CRITIC:
            with torch.no_grad(), precision.autocast():
                fake = generator(grey)
            with precision.autocast():
                real_logits, fake_logits = critic(colour).float(), critic(fake).float()
            loss = (critic_loss(real_logits, True) + critic_loss(fake_logits, False)) / 2
            values = {"critic_loss": loss, "gen_share": 0.0}
        else:
            critic.requires_grad_(False)  # the critic is only a judge here: no gradients to keep
            with precision.autocast():
                fake = generator(grey).float()
                perceptual, adversarial = loss_fn(fake, colour), critic_loss(critic(fake).float(), True)
            critic.requires_grad_(True)
            balance = colour_balance_losses(fake, colour)
            loss = (cfg.perceptual_weight * perceptual + cfg.adversarial_weight * adversarial
                    + cfg.cast_weight * balance["cast"] + cfg.saturation_weight * balance["saturation"]
                    + cfg.chroma_weight * balance["chroma"])
            values = {"gen_loss": loss, "perceptual": perceptual, "adversarial": adversarial, **balance,
                      "gen_share": 1.0}
        precision.step(loss, optimizers[switch.mode])
        switch.update(loss.item())
        averages.add(values)
        if due(step, cfg.log_every, total):
            log.write(step + 1, averages.pop())
        if due(step, every, total):
            path = save(step + 1)
    return path
