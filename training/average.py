"""`average`: the mean of a GAN phase's generator checkpoints (stochastic weight averaging).

The short GAN phase swings: from one checkpoint to the next the colours turn warmer or cooler,
brighter or duller, around where the generator is heading. The mean of the weights of a run of
checkpoints of one phase (Izmailov et al. 2018, "Averaging Weights Leads to Wider Optima and
Better Generalization") keeps the colour the phase brought and drops the swing: on the `lite`
model it removed a tint the single checkpoints kept and gained PSNR at the same colourfulness.

Writes `<run>/cycleNN/average/ckpt_<last step>.pt`, a 'gan' checkpoint that holds the averaged
generator only; `evaluate`, `export`, `save-gen-images` and a later `gan --gen` read it as any other.
"""
from __future__ import annotations

from pathlib import Path

import torch

from .checkpoint import (checkpoint_number, checkpoint_path, cycle_dir, generator_from, last_cycle,
                         load_checkpoint, numbered_checkpoints, save_checkpoint)
from .config import AverageConfig, command_line
from .generator import settle_spectral_norms


def averaged_state(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The element-wise mean of floating tensors; other tensors (counters) from the last state."""
    last = states[-1]
    return {k: torch.stack([s[k].float() for s in states]).mean(0).to(v.dtype) if v.is_floating_point() else v
            for k, v in last.items()}


def run(cfg: AverageConfig) -> Path:
    """Average; returns the written checkpoint."""
    cycle = cfg.cycle or last_cycle(cfg.run)
    folder = cycle_dir(cfg.run, cycle)
    chosen = [p for p in numbered_checkpoints(folder / "gan")
              if checkpoint_number(p) >= cfg.first and (cfg.last <= 0 or checkpoint_number(p) <= cfg.last)]
    if len(chosen) < 2:
        raise ValueError(f"first={cfg.first}, last={cfg.last}: {len(chosen)} GAN checkpoint(s) of cycle {cycle} "
                         f"in {folder / 'gan'} fall in that range; averaging needs at least 2")
    checkpoints = [load_checkpoint(p, "gan") for p in chosen]
    last = checkpoints[-1]
    generator = generator_from({**last, "models": {"generator": averaged_state(
        [c["models"]["generator"] for c in checkpoints])}})
    settle_spectral_norms(generator)  # the stored vectors belong to the last checkpoint's weights
    history = [*last["history"], command_line("average", cfg)]
    path = checkpoint_path(folder / "average", last["step"])
    return save_checkpoint(path, phase="gan", config=last["config"], step=last["step"], history=history,
                           models={"generator": generator.state_dict()},
                           generator_config=generator.config.to_dict(),
                           averaged=[str(p) for p in chosen])
