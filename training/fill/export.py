"""`export-fill`: a fill checkpoint -> the folder `nogan.restore.fill_net.load_fill_net` reads."""
from __future__ import annotations

from pathlib import Path

from nogan.restore.fill_net import save_fill_net

from ..checkpoint import load_checkpoint
from ..config import FillExportConfig
from ..export import DTYPES
from .model import fill_net_from


def run(cfg: FillExportConfig) -> Path:
    if not cfg.checkpoint or not cfg.out:
        raise ValueError("export-fill needs --checkpoint and --out")
    if cfg.dtype not in DTYPES:
        raise ValueError(f"dtype={cfg.dtype!r} must be one of {', '.join(DTYPES)}")
    return save_fill_net(fill_net_from(load_checkpoint(cfg.checkpoint, "fill")), cfg.out, cfg.name, DTYPES[cfg.dtype])
