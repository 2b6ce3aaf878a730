"""Checkpoints: one `torch.save`d dict per file, and where each phase keeps them in a run.

A checkpoint holds `phase` ('pretrain-gen' | 'pretrain-critic' | 'gan'), `config` (the phase's
config as a dict), `step`, `rng`, `history` (the commands that led to it), and `models` /
`optimizers` state dicts keyed 'generator' and/or 'critic', with `generator_config` and
`critic_config` to rebuild them. Everything is loadable with `torch.load(weights_only=True)`.

Run layout: `<run>/<stage>/` for generator pretraining, `<run>/cycleNN/{gen_images,critic,gan}/`
for the later steps; checkpoints inside are `ckpt_<number>.pt`, numbered by step (or, in the GAN
phase, consecutively).
"""
from __future__ import annotations

import re
from pathlib import Path

import torch

from nogan.models import GeneratorConfig, UnetGenerator, apply_spectral_norm
from nogan.weights.pretrained import CONFIG_NAME, load_pretrained
from nogan.weights.state_dict import load_strict

from .critic import Critic
from .generator import build_generator, decoder_modules, settle_spectral_norms

_NUMBERED = re.compile(r"ckpt_(\d+)\.pt")


def save_checkpoint(path: Path, **fields) -> Path:
    """Write atomically (temporary file, then rename), so a kill never leaves half a checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(fields, tmp)
    tmp.replace(path)
    return path


def load_checkpoint(path: str | Path, phase: str | tuple[str, ...] | None = None) -> dict:
    """Load a checkpoint, optionally requiring its phase (e.g. 'gan' or ('pretrain-gen', 'gan'))."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"checkpoint {str(path)!r} does not exist")
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(ckpt, dict) or "phase" not in ckpt:
        raise ValueError(f"{path} is not a training checkpoint (no 'phase')")
    allowed = (phase,) if isinstance(phase, str) else phase
    if allowed is not None and ckpt["phase"] not in allowed:
        raise ValueError(f"{path} is a {ckpt['phase']!r} checkpoint; expected {' or '.join(allowed)}")
    return ckpt


def checkpoint_path(folder: Path, number: int) -> Path:
    return folder / f"ckpt_{number:06d}.pt"


def checkpoint_number(path: Path) -> int | None:
    """n of a `ckpt_<n>.pt` file (its step), None for other names."""
    m = _NUMBERED.fullmatch(path.name)
    return int(m.group(1)) if m else None


def numbered_checkpoints(folder: str | Path) -> list[Path]:
    """The `ckpt_<n>.pt` files of a folder, by number."""
    found = [p for p in Path(folder).glob("ckpt_*.pt") if checkpoint_number(p) is not None]
    return sorted(found, key=checkpoint_number)


def latest_checkpoint(folder: str | Path) -> Path:
    found = numbered_checkpoints(folder)
    if not found:
        raise ValueError(f"no checkpoints (ckpt_*.pt) in {folder}")
    return found[-1]


def cycle_dir(run: str | Path, cycle: int) -> Path:
    if cycle < 1:
        raise ValueError(f"cycle={cycle} must be at least 1")
    return Path(run) / f"cycle{cycle:02d}"


def last_cycle(run: str | Path) -> int:
    """The highest cycle number with a folder in the run (0 if none)."""
    numbers = [int(p.name[5:]) for p in Path(run).glob("cycle[0-9][0-9]") if p.is_dir()]
    return max(numbers, default=0)


def generator_from(ckpt: dict) -> UnetGenerator:
    """The trainable generator (spectral norm included) of a 'pretrain-gen' or 'gan' checkpoint."""
    model = build_generator(GeneratorConfig.from_dict(ckpt["generator_config"]))
    load_strict(model, ckpt["models"]["generator"], source=f"{ckpt['phase']} checkpoint")
    return model


def critic_from(ckpt: dict) -> Critic:
    critic = Critic(**ckpt["critic_config"])
    load_strict(critic, ckpt["models"]["critic"], source=f"{ckpt['phase']} checkpoint")
    return critic


def generator_start(path: str | Path) -> tuple[UnetGenerator, list[str]]:
    """The trainable generator a phase starts from, and the commands that made it: from a
    'pretrain-gen' or 'gan' checkpoint, or from an exported nogan model folder (such as the bundled
    `nogan/lite`), whose model card lists its commands."""
    path = Path(path)
    if not path.is_dir():
        ckpt = load_checkpoint(path, ("pretrain-gen", "gan"))
        return generator_from(ckpt), list(ckpt["history"])
    if not (path / CONFIG_NAME).is_file():
        raise ValueError(f"{str(path)!r} is a folder without {CONFIG_NAME}: not a nogan model folder")
    model = load_pretrained(path)[0]
    # exported weights are already divided by their spectral norm, so normalising them again keeps them
    for m in decoder_modules(model):
        apply_spectral_norm(m)
    settle_spectral_norms(model)
    card = path / "README.md"
    lines = card.read_text().splitlines() if card.is_file() else []
    return model, [line for line in lines if line.startswith("python -m training ")]
