"""`cycle`: one more round of steps 2-4 (DeOldify repeated them about five times).

Cycle N starts from the last GAN checkpoint of cycle N-1 (or `--gen`): its generator colours the
training photos again, the critic it holds is fine-tuned on them (or `--critic`), then both play
the GAN phase of cycle N. Each step writes where its own subcommand would, so an interrupted
cycle can be finished with `pretrain-critic --resume` / `gan --resume`.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from . import gan, pretrain_critic, save_gen_images
from .checkpoint import cycle_dir, last_cycle, latest_checkpoint
from .config import CycleConfig, GanConfig, PretrainCriticConfig, SaveGenImagesConfig


def sub_config(cls: type, cfg: CycleConfig, **overrides):
    """A `cls` config taking every field of the same name from `cfg`, then `overrides`."""
    names = {f.name for f in dataclasses.fields(cls)} - set(overrides)
    return cls(**{k: v for k, v in dataclasses.asdict(cfg).items() if k in names}, **overrides)


def run(cfg: CycleConfig) -> Path:
    """Run the next cycle; returns its last GAN checkpoint."""
    if cfg.resume:
        raise ValueError("cycle does not resume; resume its interrupted step (pretrain-critic or gan) instead")
    cycle = cfg.cycle or last_cycle(cfg.run) + 1
    if cycle < 2 and not (cfg.gen and cfg.critic):
        raise ValueError("the first cycle needs --gen and --critic (or run save-gen-images, "
                         "pretrain-critic and gan for cycle 1)")
    previous = None if cfg.gen and cfg.critic else latest_checkpoint(cycle_dir(cfg.run, cycle - 1) / "gan")
    gen, critic = cfg.gen or str(previous), cfg.critic or str(previous)
    save_gen_images.run(sub_config(SaveGenImagesConfig, cfg, cycle=cycle, gen=gen, size=cfg.gen_size))
    critic_ckpt = pretrain_critic.run(sub_config(PretrainCriticConfig, cfg, cycle=cycle, init=critic,
                                                 epochs=cfg.critic_epochs, lr=cfg.critic_lr))
    return gan.run(sub_config(GanConfig, cfg, cycle=cycle, gen=gen, critic=str(critic_ckpt)))
