"""Speed and peak memory of super-resolution and denoising on this machine; prints JSON.

    python benchmarks/upscale.py                       # speeds of both upscalers and the denoiser
    python benchmarks/upscale.py --scan realesr-animevideov3 --scan-scale 2   # + peak memory, 4000x3000

Timings use a real old photo from ../shared/data/old_photos when present (resized), else a synthetic
picture; each is the best of --repeat runs after a warm-up on a small picture. Peak memory is measured
in a fresh process (its maximum resident set size), so it does not inherit other allocations.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nogan.restore.denoise import Denoiser, estimate_noise
from nogan.restore.upscale import MODELS, Upscaler

OLD_PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "old_photos"


def picture(width: int, height: int) -> np.ndarray:
    photos = sorted(OLD_PHOTOS.glob("*.jpg"))
    if photos:
        return cv2.resize(cv2.imread(str(photos[0]), cv2.IMREAD_GRAYSCALE), (width, height),
                          interpolation=cv2.INTER_AREA)
    y, x = np.mgrid[:height, :width]
    return (128 + 60 * np.sin(x / 9) * np.cos(y / 13)).astype(np.uint8)


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(min(times), 2)


def speeds(models: list[str], repeat: int) -> dict:
    results = {}
    for name in models:
        upscaler = Upscaler.from_pretrained(name)
        upscaler(picture(64, 48), 2)  # warm-up: weights read, oneDNN kernels chosen
        results[name] = {
            "precision": upscaler.precision,
            "x2_800x600_s": best_time(lambda u=upscaler: u(picture(800, 600), 2), repeat),
            "x4_600x400_s": best_time(lambda u=upscaler: u(picture(600, 400), 4), repeat),
        }
    denoiser = Denoiser.from_pretrained()
    gray = picture(1200, 800)
    denoiser(picture(64, 48), 5.0)
    results["ffdnet"] = {
        "precision": denoiser.precision,
        "estimate_noise_1200x800_s": best_time(lambda: estimate_noise(gray), repeat),
        "denoise_1200x800_s": best_time(lambda: denoiser(gray, 5.0), repeat),
    }
    return results


def scan_peak_memory(name: str, scale: int, width: int, height: int) -> dict:
    """Upscale a width x height grey scan in a fresh process and report its peak memory."""
    root = str(Path(__file__).resolve().parents[1])
    code = (f"import sys, time, resource, numpy as np; sys.path.insert(0, {root!r});"
            f"from nogan.restore.upscale import Upscaler;"
            f"image = np.random.default_rng(0).integers(0, 256, ({height}, {width}), dtype=np.uint8);"
            f"start = time.perf_counter(); out = Upscaler.from_pretrained({name!r})(image, {scale});"
            f"print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    seconds, max_rss_kib = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                          text=True).stdout.split()
    return {"model": name, "scale": scale, "size": f"{width}x{height}", "seconds": round(float(seconds), 1),
            "peak_rss_gib": round(int(max_rss_kib) / 2**20, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--scan", choices=list(MODELS), help="also measure peak memory on a big scan with this model")
    parser.add_argument("--scan-scale", type=int, default=2, choices=(2, 4))
    parser.add_argument("--scan-size", default="4000x3000")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    report = {"torch_threads": torch.get_num_threads(),
              "load_average_at_start": [round(x, 1) for x in os.getloadavg()]}
    if not args.skip_speed:
        report["speed"] = speeds(args.models, args.repeat)
    if args.scan:
        width, height = map(int, args.scan_size.split("x"))
        report["scan"] = scan_peak_memory(args.scan, args.scan_scale, width, height)
    report["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
