"""Seconds per photo through the whole pipeline (load, resize, model, post-process), as JSON.

    python benchmarks/photo.py                       # artistic + stable, rf 35 and 21, fp32 and auto
    python benchmarks/photo.py --models artistic --render-factors 35 --repeats 3

The published checkpoints are used when they can be had (cache, $NOGAN_WEIGHTS_DIR or download);
otherwise deterministic synthetic weights of the same architecture are built by
`nogan.weights.synthetic` from the key manifests in tests/reference/ (speed does not depend on the
weight values). Each result also gives how far the auto-precision photo is from the fp32 one, in
grey levels.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nogan import Colorizer, WeightsUnavailableError  # noqa: E402
from nogan.weights.registry import MODELS  # noqa: E402
from nogan.weights.synthetic import save_synthetic_checkpoint  # noqa: E402

MANIFESTS = Path(__file__).resolve().parent.parent / "tests" / "reference"


def test_photo(width: int = 1200, height: int = 800) -> Image.Image:
    """A greyscale picture with structure at several scales (not noise), seeded."""
    y, x = np.mgrid[0:height, 0:width] / max(width, height)
    rng = np.random.default_rng(0)
    grey = 128 + 60 * np.sin(9 * x + 4 * y) + 40 * np.cos(23 * x * y) + rng.normal(0, 6, (height, width))
    return Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8)).convert("RGB")


def model_source(name: str, workdir: Path) -> tuple[str, str]:
    """(source, weights kind): the published checkpoint if available, else synthetic weights."""
    try:
        Colorizer.from_pretrained(name, device="cpu", precision="fp32").load()
        return name, "published"
    except WeightsUnavailableError:
        pass
    keys = MANIFESTS / f"{'artistic' if MODELS[name].config.decoder == 'deep' else 'stable'}_keys.tsv"
    path = workdir / f"{name}_synthetic.pth"
    save_synthetic_checkpoint(keys, path)
    return str(path), "synthetic"


def time_photo(colorizer: Colorizer, photo: Image.Image, render_factor: int, repeats: int) -> tuple[list[float], Image.Image]:
    result = colorizer.colorize(photo, render_factor)  # warm-up: oneDNN picks its kernels on first use
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = colorizer.colorize(photo, render_factor)
        times.append(round(time.perf_counter() - start, 3))
    return times, result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", nargs="+", default=["artistic", "stable"])
    p.add_argument("--render-factors", nargs="+", type=int, default=[35, 21])
    p.add_argument("--precisions", nargs="+", default=["fp32", "auto"])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--device", default=None)
    args = p.parse_args()

    photo = test_photo()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            source, weights = model_source(name, Path(tmp))
            for rf in args.render_factors:
                outputs = {}
                for precision in args.precisions:
                    colorizer = Colorizer.from_pretrained(source, args.device, None if precision == "auto" else precision)
                    times, outputs[precision] = time_photo(colorizer, photo, rf, args.repeats)
                    row = dict(model=name, weights=weights, render_factor=rf, precision=colorizer.precision,
                               requested=precision, device=colorizer.device.type, seconds=times,
                               median_s=float(np.median(times)))
                    if precision != "fp32" and "fp32" in outputs:
                        diff = np.abs(np.asarray(outputs[precision], dtype=int) - np.asarray(outputs["fp32"], dtype=int))
                        row.update(max_grey_levels_vs_fp32=int(diff.max()), mean_grey_levels_vs_fp32=round(float(diff.mean()), 3))
                    results.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
    print(json.dumps(dict(input=f"{photo.width}x{photo.height}", torch=torch.__version__, threads=torch.get_num_threads(),
                          cpu=platform.processor() or platform.machine(), results=results), indent=2))


if __name__ == "__main__":
    main()
