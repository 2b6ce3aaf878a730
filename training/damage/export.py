"""`export-damage`: a damage checkpoint -> the folder `nogan.restore.load_damage_net` reads."""
from __future__ import annotations

from pathlib import Path

from nogan.restore.damage_net import save_damage_net

from ..checkpoint import load_checkpoint
from ..config import DamageExportConfig
from ..export import DTYPES
from .model import damage_net_from


def run(cfg: DamageExportConfig) -> Path:
    if not cfg.checkpoint or not cfg.out:
        raise ValueError("export-damage needs --checkpoint and --out")
    if cfg.dtype not in DTYPES:
        raise ValueError(f"dtype={cfg.dtype!r} must be one of {', '.join(DTYPES)}")
    if not 0 < cfg.threshold < 1:
        raise ValueError(f"threshold={cfg.threshold} must be between 0 and 1")
    net = damage_net_from(load_checkpoint(cfg.checkpoint, "damage"))
    return save_damage_net(net, cfg.out, cfg.name, cfg.threshold, DTYPES[cfg.dtype])
