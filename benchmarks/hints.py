"""Colour hints: how much N true-colour hint points improve a colouring, and how fast hints apply, as JSON.

    python benchmarks/hints.py                    # 40 held-out photos, N = 0, 5, 20, 50
    python benchmarks/hints.py --photos 180 --points 0 5 20 50 100

Each held-out colour photo (../shared/data/photos, the last 10 % by name; the bundled examples'
pictures when ../shared is absent, whose "truth" is then only their grey, so only speed means
anything there) is made grey and coloured by the bundled `lite` model: that is the prior. Then N
pixels, drawn at random (seeded), each get a one-pixel hint of their true colour, and the hints
are applied. Scores against the true photo: PSNR (RGB, dB) and the mean CIEDE2000 colour error.
Speed: seconds to apply 3 strokes to a 1200x800 photo, wall clock and this process's CPU time
(the CPU time is the fairer figure on a machine shared with other work), over --repeats runs.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nogan import Colorizer  # noqa: E402
from nogan.hints import apply_hints, draw_hints  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
PHOTOS = REPO.parent / "shared" / "data" / "photos"


def held_out_photos(count: int) -> list[Path]:
    if PHOTOS.is_dir():
        names = sorted(p for p in PHOTOS.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        return names[len(names) - len(names) // 10:][:count]
    return sorted((REPO / "examples").glob("*.jpg"))[:count]


def point_hints(truth: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """N one-pixel hints at random places, each of the true colour there."""
    hints = np.zeros((*truth.shape[:2], 4), np.uint8)
    flat = rng.choice(truth.shape[0] * truth.shape[1], size=count, replace=False)
    ys, xs = np.unravel_index(flat, truth.shape[:2])
    hints[ys, xs, :3], hints[ys, xs, 3] = truth[ys, xs], 255
    return hints


def scores(result: Image.Image, truth: np.ndarray) -> tuple[float, float]:
    out = np.asarray(result.convert("RGB"), dtype=np.float64)
    mse = np.mean((out - truth) ** 2)
    psnr = 10 * np.log10(255.0 ** 2 / max(mse, 1e-10))
    delta_e = deltaE_ciede2000(rgb2lab(truth / 255.0), rgb2lab(out / 255.0)).mean()
    return float(psnr), float(delta_e)


def apply_speed(repeats: int) -> tuple[list[float], list[float]]:
    photo = Image.open(REPO / "examples" / "coffee.jpg").convert("RGB").resize((1200, 800))
    colored = photo  # the prior's colours do not change the work
    hints = draw_hints(photo.size, strokes=[([(600, 120), (840, 180)], "#c0392b"),
                                            ([(120, 600), (240, 720)], "#2e86c1"),
                                            ([(500, 500), (600, 520)], "#27ae60")], radius=8)
    apply_hints(photo, colored, hints)  # warm-up
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        apply_hints(photo, colored, hints)
        wall.append(round(time.perf_counter() - start, 3))
        cpu.append(round(time.process_time() - start_cpu, 3))
    return wall, cpu


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--photos", type=int, default=40, help="how many held-out photos (all 180: --photos 180)")
    p.add_argument("--points", nargs="+", type=int, default=[0, 5, 20, 50])
    p.add_argument("--render-factor", type=int, default=None, help="the model's; None: lite's photo default")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    colorizer = Colorizer.from_pretrained("lite", device="cpu").load()
    paths = held_out_photos(args.photos)
    per_n: dict[int, list[tuple[float, float]]] = {n: [] for n in args.points}
    rng = np.random.default_rng(args.seed)
    for path in paths:
        truth_image = Image.open(path).convert("RGB")
        truth = np.asarray(truth_image, dtype=np.float64)
        grey = truth_image.convert("L").convert("RGB")
        prior = colorizer.colorize(grey, args.render_factor)
        for n in args.points:
            result = apply_hints(grey, prior, point_hints(np.asarray(truth_image), n, rng)) if n else prior
            per_n[n].append(scores(result, truth))
        print(path.name, {n: [round(v, 2) for v in per_n[n][-1]] for n in args.points}, file=sys.stderr, flush=True)
    table = {n: dict(psnr_db=round(statistics.mean(s[0] for s in v), 3),
                     ciede2000=round(statistics.mean(s[1] for s in v), 3)) for n, v in per_n.items()}
    base = table.get(0)
    if base is not None:
        for row in table.values():
            row["psnr_gain_db"] = round(row["psnr_db"] - base["psnr_db"], 3)
            row["ciede2000_drop"] = round(1 - row["ciede2000"] / base["ciede2000"], 3)
    wall, cpu = apply_speed(args.repeats)
    print(json.dumps(dict(photos=len(paths), source=str(PHOTOS if PHOTOS.is_dir() else REPO / "examples"),
                          model="lite", render_factor=args.render_factor or colorizer.info.photo_render_factor,
                          hint_points=table, apply_1200x800_wall_s=wall, apply_1200x800_cpu_s=cpu,
                          apply_1200x800_median_wall_s=statistics.median(wall),
                          apply_1200x800_median_cpu_s=statistics.median(cpu), load_average=os.getloadavg()[0],
                          cpu=platform.processor() or platform.machine()), indent=2))


if __name__ == "__main__":
    main()
