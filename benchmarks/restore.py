"""Photo restoration quality, speed and memory, as JSON.

    python benchmarks/restore.py                     # everything, all 180 held-out photos
    python benchmarks/restore.py --photos 40 --skip-speed

Quality: the held-out photos (the last 10 % by name of ../shared/data/photos, made grey) get
synthetic damage from `synthetic_damage.py` (seeded; separate code and parameters from the
damage model's training generator). PSNR and SSIM against the clean photo, each picture first
mapped by the global affine tone map (a * x + b, least squares) that best fits it to the clean
one, so fading is not counted twice: for the damaged input, a classical baseline
(median-difference mask, Telea inpainting, non-local means) and ours (`Restorer` defaults).
Damage-mask precision, recall and F1 with a 1-pixel tolerance, pooled over all pixels.
No harm: the undamaged photos through the default restoration, PSNR against themselves (plain,
and after the tone fit).
Speed: seconds for restore at 1200x800, x2 of 800x600, x4 of 600x400 (median of `--repeats`
after a warm-up); memory: peak resident memory of a fresh process restoring a 4000x3000 scan.
Without ../shared the bundled examples/*.jpg are used instead (and the JSON says so).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from skimage.metrics import structural_similarity

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from nogan.restore import Restorer  # noqa: E402
from synthetic_damage import damage  # noqa: E402

PHOTOS = ROOT.parent / "shared" / "data" / "photos"
EXAMPLES = ROOT / "examples"
SEED = 2024


def held_out_photos(limit: int | None) -> tuple[list[np.ndarray], str]:
    if PHOTOS.is_dir():
        files = sorted(PHOTOS.glob("*.jpg"))
        files, source = files[len(files) - len(files) // 10:], f"{PHOTOS} (last 10 % by name)"
    else:
        files, source = sorted(EXAMPLES.glob("*.jpg")), f"{EXAMPLES}/*.jpg (../shared is missing)"
    if not files:
        sys.exit(f"no photos: {PHOTOS} is missing and {EXAMPLES} has no .jpg files")
    files = files[:limit]
    return [cv2.imread(str(f), cv2.IMREAD_GRAYSCALE) for f in files], source


def tone_fit(picture: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """`picture` mapped by the affine a * x + b that best fits it to `clean` (least squares)."""
    x = picture.astype(np.float64).ravel()
    a, b = np.polyfit(x, clean.astype(np.float64).ravel(), 1) if x.std() > 0 else (0.0, clean.mean())
    return np.clip(a * picture.astype(np.float64) + b, 0, 255)


def psnr(picture: np.ndarray, clean: np.ndarray) -> float:
    mse = np.mean((picture.astype(np.float64) - clean.astype(np.float64)) ** 2)
    return float(10 * np.log10(255 ** 2 / max(mse, 1e-10)))


def ssim(picture: np.ndarray, clean: np.ndarray) -> float:
    return float(structural_similarity(picture.astype(np.float64), clean.astype(np.float64), data_range=255))


def immerkaer_sigma(grey: np.ndarray) -> float:
    """Noise level by Immerkaer's fast estimate (the classical baseline's own, not our model's)."""
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    response = cv2.filter2D(grey.astype(np.float32), -1, kernel)[1:-1, 1:-1]
    return float(np.sqrt(np.pi / 2) * np.abs(response).mean() / 6)


def classical(damaged: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median-difference mask, Telea inpainting, non-local means: (restored, mask)."""
    sigma = immerkaer_sigma(damaged)
    difference = np.abs(damaged.astype(np.int16) - cv2.medianBlur(damaged, 5))
    mask = (difference > max(25.0, 4 * sigma)).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    filled = cv2.inpaint(damaged, mask, 3, cv2.INPAINT_TELEA)
    return cv2.fastNlMeansDenoising(filled, None, h=max(3.0, 1.2 * sigma)), mask.astype(bool)


def within(mask: np.ndarray, tolerance: int) -> np.ndarray:
    size = 2 * tolerance + 1
    return cv2.dilate(mask.astype(np.uint8), np.ones((size, size), np.uint8)).astype(bool)


def quality(restorer: Restorer, photos: list[np.ndarray]) -> dict:
    rng = np.random.default_rng(SEED)
    scores = {name: {"psnr": [], "ssim": []} for name in ("damaged", "classical", "ours")}
    counts = {"ours": np.zeros(3), "classical": np.zeros(3)}  # true positives (pred), predicted, true pos (gt)
    truth_total = 0
    for clean in photos:
        damaged, truth = damage(clean, rng)
        ours = np.asarray(restorer.restore(damaged).convert("L"))
        ours_mask = np.asarray(restorer.damage_mask(damaged)) > 0
        baseline, baseline_mask = classical(damaged)
        for name, picture in (("damaged", damaged), ("classical", baseline), ("ours", ours)):
            fitted = tone_fit(picture, clean)
            scores[name]["psnr"].append(psnr(fitted, clean))
            scores[name]["ssim"].append(ssim(fitted, clean))
        near_truth = within(truth, 1)
        for name, predicted in (("ours", ours_mask), ("classical", baseline_mask)):
            counts[name] += [np.count_nonzero(predicted & near_truth), np.count_nonzero(predicted),
                             np.count_nonzero(truth & within(predicted, 1))]
        truth_total += np.count_nonzero(truth)
    result = {name: {k: round(float(np.mean(v)), 4 if k == "ssim" else 2) for k, v in s.items()}
              for name, s in scores.items()}
    for name, (hit, predicted, found) in counts.items():
        precision, recall = hit / max(predicted, 1), found / max(truth_total, 1)
        result[name]["mask"] = {"precision": round(precision, 3), "recall": round(recall, 3),
                                "f1": round(2 * precision * recall / max(precision + recall, 1e-9), 3)}
    ours, before, base = result["ours"], result["damaged"], result["classical"]
    result["gain"] = {"psnr_over_damaged": round(ours["psnr"] - before["psnr"], 2),
                      "ssim_over_damaged": round(ours["ssim"] - before["ssim"], 4),
                      "psnr_over_classical": round(ours["psnr"] - base["psnr"], 2)}
    return result


def no_harm(restorer: Restorer, photos: list[np.ndarray]) -> dict:
    """PSNR of the default restoration of undamaged photos against themselves: pooled (from the
    mean squared error over all photos), median, and the share of photos at 32 dB or more."""
    plain, fitted = [], []
    for clean in photos:
        out = np.asarray(restorer.restore(clean).convert("L"))
        plain.append(psnr(out, clean))
        fitted.append(psnr(tone_fit(out, clean), clean))
    plain, fitted = np.array(plain), np.array(fitted)
    pooled = lambda values: round(float(10 * np.log10(1 / np.mean(10 ** (-values / 10)))), 2)  # noqa: E731
    return {"psnr_pooled": pooled(plain), "psnr_median": round(float(np.median(plain)), 2),
            "share_at_least_32db": round(float(np.mean(plain >= 32)), 3),
            "psnr_tone_fitted_pooled": pooled(fitted),
            "share_tone_fitted_at_least_32db": round(float(np.mean(fitted >= 32)), 3)}


def test_scan(photo: np.ndarray, width: int, height: int, seed: int = 0) -> np.ndarray:
    """A held-out photo at `width` x `height` with synthetic damage."""
    return damage(cv2.resize(photo, (width, height), interpolation=cv2.INTER_CUBIC), np.random.default_rng(seed))[0]


def speed(restorer: Restorer, photo: np.ndarray, repeats: int) -> dict:
    result = {}
    for label, (w, h), upscale in (("restore_1200x800_s", (1200, 800), 1),
                                   ("x2_800x600_s", (800, 600), 2), ("x4_600x400_s", (600, 400), 4)):
        scan = test_scan(photo, w, h)
        restorer.restore(scan, upscale=upscale)  # warm-up: oneDNN picks its kernels on first use
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            restorer.restore(scan, upscale=upscale)
            times.append(time.perf_counter() - start)
        result[label] = round(float(np.median(times)), 3)
    return result


def peak_memory_gb(width: int = 4000, height: int = 3000) -> float:
    """Peak resident memory of a fresh process restoring a `width` x `height` scan."""
    code = ("import sys, numpy as np, resource; sys.path[:0] = [sys.argv[1], sys.argv[2]];"
            "from nogan.restore import Restorer; from restore import test_scan;"
            "photo = np.random.default_rng(0).integers(0, 256, (300, 400), dtype=np.uint8);"
            "photo = __import__('cv2').GaussianBlur(photo, (0, 0), 3);"
            f"Restorer.from_pretrained().restore(test_scan(photo, {width}, {height}));"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT), str(Path(__file__).resolve().parent)],
                         check=True, capture_output=True, text=True)
    return round(int(out.stdout.split()[-1]) / 1024 ** 2, 2)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--photos", type=int, default=None, help="use only the first N held-out photos")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--skip-speed", action="store_true")
    p.add_argument("--skip-quality", action="store_true")
    p.add_argument("--model", default="restore", help="restoration model name or folder")
    p.add_argument("--device", default=None)
    args = p.parse_args()

    restorer = Restorer.from_pretrained(args.model, device=args.device)
    photos, source = held_out_photos(args.photos)
    report = {"model": args.model, "photos": {"source": source, "count": len(photos), "seed": SEED},
              "machine": {"cpu": platform.processor() or platform.machine(), "threads": torch.get_num_threads(),
                          "device": restorer.device.type, "precision": restorer.precision,
                          "load_average_at_start": [round(v, 1) for v in os.getloadavg()]}}
    if not args.skip_quality:
        start = time.perf_counter()
        report["synthetic_damage"] = quality(restorer, photos)
        report["no_harm"] = no_harm(restorer, photos)
        report["quality_seconds"] = round(time.perf_counter() - start, 1)
    if not args.skip_speed:
        report["speed"] = speed(restorer, photos[0], args.repeats)
        report["peak_memory_gb_4000x3000"] = peak_memory_gb()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
