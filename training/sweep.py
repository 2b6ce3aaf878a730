"""`sweep`: score every checkpoint of a cycle's GAN phase and pick where to stop.

NoGAN's GAN phase improves colour for a short while, then artefacts set in ("orange skin"):
outputs grow more colourful while drifting from the ground truth. For each checkpoint the sweep
colours the same held-out photos (grey versions of the last `val_fraction` of the data) and
writes to `<run>/cycleNN/sweep/`:
  metrics.csv / metrics.json  one row per checkpoint: checkpoint, step, psnr, ssim,
                              colourfulness, colourfulness_truth, cast_a, cast_b,
                              colourfulness_gap, cast, turned
  contact_sheet.png           rows: grey input, ground truth, then each checkpoint in order
  pick.json                   {"checkpoint", "step", "turned_at", "rule", ...} (see `pick`)
"""
from __future__ import annotations

import csv
import json

from PIL import Image, ImageDraw
from tqdm import tqdm

from .checkpoint import checkpoint_number, cycle_dir, last_cycle, numbered_checkpoints
from .config import SweepConfig
from .data import center_crop, greyscale, list_images, load_rgb, split_files
from .inference import load_colorizer
from .metrics import compare, mean_metrics

RULE = ("a checkpoint has turned when it is more colourful than the first one while its PSNR is more "
        "than psnr_tol dB below the best PSNR so far or its SSIM more than ssim_tol below the best SSIM "
        "so far; the pick is the last checkpoint before the first that turned (the last if none did)")


def turned(rows: list[dict[str, float]], psnr_tol: float, ssim_tol: float) -> list[bool]:
    """Per row (in training order): has quality turned there? See RULE."""
    flags, best_psnr, best_ssim = [], float("-inf"), float("-inf")
    for row in rows:
        more_colour = row["colourfulness"] > rows[0]["colourfulness"]
        worse = row["psnr"] < best_psnr - psnr_tol or row["ssim"] < best_ssim - ssim_tol
        flags.append(more_colour and worse)
        best_psnr, best_ssim = max(best_psnr, row["psnr"]), max(best_ssim, row["ssim"])
    return flags


def pick(rows: list[dict[str, float]], psnr_tol: float, ssim_tol: float) -> tuple[int, int | None]:
    """(index of the picked row, index of the first turned row or None). See RULE."""
    if not rows:
        raise ValueError("no checkpoints to pick from")
    flags = turned(rows, psnr_tol, ssim_tol)
    first = flags.index(True) if any(flags) else None
    return (len(rows) - 1 if first is None else max(0, first - 1)), first


def contact_sheet(rows: list[tuple[str, list[Image.Image]]], tile: int) -> Image.Image:
    """A grid: one labelled row per (label, images), images scaled to tile x tile."""
    label_w, columns = 120, max(len(images) for _, images in rows)
    sheet = Image.new("RGB", (label_w + columns * tile, len(rows) * tile), "white")
    draw = ImageDraw.Draw(sheet)
    for r, (label, images) in enumerate(rows):
        draw.text((4, r * tile + tile // 2 - 6), label, fill="black")
        for c, img in enumerate(images):
            sheet.paste(img.resize((tile, tile), Image.BICUBIC), (label_w + c * tile, r * tile))
    return sheet


def run(cfg: SweepConfig) -> dict:
    """Sweep one cycle; returns the pick (also written to pick.json)."""
    cycle = cfg.cycle or last_cycle(cfg.run)
    folder = cycle_dir(cfg.run, cycle)
    checkpoints = numbered_checkpoints(folder / "gan")
    if not checkpoints:
        raise ValueError(f"no GAN checkpoints in {folder / 'gan'}: run `gan` for cycle {cycle} first")
    _, val = split_files(list_images(cfg.data), cfg.val_fraction)
    val = val[:cfg.max_images] if cfg.max_images else val
    if not val:
        raise ValueError(f"no validation photos: data={cfg.data!r} with val_fraction={cfg.val_fraction}")
    truths = [center_crop(load_rgb(p), cfg.render_factor * 16) for p in val]
    shown = truths[:cfg.sheet_columns]
    sheet_rows = [("grey input", [greyscale(t) for t in shown]), ("ground truth", shown)]
    rows = []
    for path in tqdm(checkpoints, desc=f"sweep c{cycle}", dynamic_ncols=True):
        colorizer = load_colorizer(path, cfg.device)
        outputs = [colorizer.colorize(t, cfg.render_factor) for t in truths]
        step = checkpoint_number(path)
        rows.append({"checkpoint": str(path), "step": step,
                     **mean_metrics([compare(o, t) for o, t in zip(outputs, truths, strict=True)])})
        sheet_rows.append((f"step {step}", outputs[:cfg.sheet_columns]))
    for row, flag in zip(rows, turned(rows, cfg.psnr_tol, cfg.ssim_tol), strict=True):
        row["turned"] = flag
    chosen, first_turn = pick(rows, cfg.psnr_tol, cfg.ssim_tol)
    out = folder / "sweep"
    out.mkdir(parents=True, exist_ok=True)
    with (out / "metrics.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (out / "metrics.json").write_text(json.dumps(rows, indent=2) + "\n")
    contact_sheet(sheet_rows, tile=min(cfg.render_factor * 16, 128)).save(out / "contact_sheet.png")
    result = {"checkpoint": rows[chosen]["checkpoint"], "step": rows[chosen]["step"],
              "turned_at": None if first_turn is None else rows[first_turn]["checkpoint"],
              "metrics": {k: v for k, v in rows[chosen].items() if k not in ("checkpoint", "step", "turned")},
              "rule": RULE, "psnr_tol": cfg.psnr_tol, "ssim_tol": cfg.ssim_tol}
    (out / "pick.json").write_text(json.dumps(result, indent=2) + "\n")
    return result
