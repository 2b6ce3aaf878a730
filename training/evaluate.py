"""`evaluate`: how close a model's colourings of colour photos come to the originals.

Each photo is coloured by nogan's Colorizer at `render_factor` (it sees only the photo's luma)
and compared with the original at full size. The JSON written:
{"model", "data", "images", "render_factor",
 "output":          {"psnr", "ssim", "colourfulness"},   means over the photos
 "greyscale_input": {"psnr", "ssim", "colourfulness"},   the same for the grey input: a baseline
 "ground_truth":    {"colourfulness"},
 "gap":             {"colourfulness"},                   output minus ground truth (< 0: too dull)
 "cast":            {"a", "b", "length"}}                mean Lab a*, b* of outputs minus the truth's
"""
from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm

from .config import EvaluateConfig
from .data import greyscale, list_images, load_rgb, split_files
from .inference import load_colorizer
from .metrics import compare, mean_metrics


def run(cfg: EvaluateConfig) -> dict:
    """Evaluate and write `cfg.out`; returns the same dict."""
    if not cfg.model:
        raise ValueError("model='' : pass a nogan model folder or a checkpoint with --model")
    colorizer = load_colorizer(cfg.model, cfg.device)
    files = list_images(cfg.data)
    if cfg.val_fraction:
        files = split_files(files, cfg.val_fraction)[1]
    if cfg.max_images:
        files = files[:cfg.max_images]
    outputs, inputs = [], []
    for path in tqdm(files, desc="evaluate", dynamic_ncols=True):
        truth = load_rgb(path)
        outputs.append(compare(colorizer.colorize(truth, cfg.render_factor), truth))
        inputs.append(compare(greyscale(truth), truth))
    out, grey = mean_metrics(outputs), mean_metrics(inputs)
    keys = ("psnr", "ssim", "colourfulness")
    result = {"model": str(cfg.model), "data": str(cfg.data), "images": len(files),
              "render_factor": cfg.render_factor,
              "output": {k: out[k] for k in keys}, "greyscale_input": {k: grey[k] for k in keys},
              "ground_truth": {"colourfulness": out["colourfulness_truth"]},
              "gap": {"colourfulness": out["colourfulness_gap"]},
              "cast": {"a": out["cast_a"], "b": out["cast_b"], "length": out["cast"]}}
    Path(cfg.out).parent.mkdir(parents=True, exist_ok=True)
    Path(cfg.out).write_text(json.dumps(result, indent=2) + "\n")
    return result
