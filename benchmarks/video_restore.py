"""Film restoration quality and speed, as JSON.

    python benchmarks/video_restore.py                    # synthetic, real film (if present), speed
    python benchmarks/video_restore.py --stills runs/restore_stills --skip-speed

Synthetic: a clean clip (a slow pan and zoom over examples/grace_hopper.jpg at 854x480, with a
small bright square crossing the frame fast) is damaged with a fixed seed: blotches on single
frames, line scratches that wander over many frames, a random gain and offset per frame (with a
gentle ramp across the frame), and grain. The restored clip is compared with the clean one: PSNR
against the damaged clip's, the share of blotch pixels removed (error down to a third of the
damage), and how far the fast square's pixels are from their clean levels once each restored frame's
tone is fitted to the clean frame's (the damage's gain, offset and ramp; flicker is measured apart).
Real: ../shared/data/old_film/a_bomb_blast_effects_excerpt.mp4 (public domain), decoded, restored
and measured: flicker is the standard deviation of the frame mean luminance around its slow trend
(a Gaussian of 4 frames' sigma within each shot; frames next to cuts left out), and the same of
the frames' tone, followed along the flow (`tone_flicker`: camera and gate motion aside;
`tone_trend_shift`: the largest gap, in levels, between the slow trends of the tone before and after
within a shot, as a de-flicker should follow the film's slow changes of light, not flatten or lag
them); all also shot by shot (`flicker_by_shot`): the frame mean also moves when the camera does (the two
shots from a bouncing truck), which is the scene, not flicker. How much it moves so is
`flicker_of_motion`: the flicker of frame means that change only as the picture moves (each
frame's mean change is that of the frame before brought onto it along the flow, its tone as it
was). It is what a perfect de-flicker would leave, the floor of `flicker_after`.
Spikes are pixels over 30 levels brighter or darker than both neighbours aligned along the flow
(where it is reliable); the
neighbours are the nearest distinct frames, for the film before and after alike: the film repeats
every fifth frame (24 to 30 fps pulldown), and a frame compared with its own copy shows no spike,
so repeats (found in the film as decoded, by the restorer's own `RepeatDetector`) are stepped over
and a dusty repeated pair counts on both its frames (`repeats`: how many were found;
`repeated_pairs_identical`: whether every pair is still identical after restoration). The measure
aligns with DIS "medium" at full size (the same for the film before and after; the restorer's own
flow is as fine, on a smaller copy). With a coarser flow (DIS "fast" on a 320 px copy, the
restorer's own before it moved to "medium"), most "spikes" of the untouched film are people and grass the flow did
not follow (a marching column), which no restoration should remove; that count is kept as
`spikes_fast_flow_*`, and `tone_flicker` is measured with that flow too, as it always was.
Speed: seconds per frame of `FilmRestorer` alone at 854x480, and of `colorize_video` with and
without `restore=True` on the same 480p clip (the real "video" architecture with random weights,
default keyframes): the ratio is what restoration adds to colouring.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.film_flicker import (  # noqa: E402
    by_shot,
    coarse_aligner,
    flicker,
    level_flicker,
    motion_levels,
    tone_levels,
    trend_shift,
)
from benchmarks.film_spikes import distinct_neighbours, repeated, spike_count  # noqa: E402
from nogan.video import RestoreOptions, colorize_video, probe  # noqa: E402
from nogan.video.io import FrameReader  # noqa: E402
from nogan.video.restore import FilmRestorer  # noqa: E402
from nogan.video.restore.motion import FlowAligner  # noqa: E402
from nogan.video.stabilize import is_scene_cut, luma_change, small_luma  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
PICTURE = REPO / "examples" / "grace_hopper.jpg"
REAL_FILM = REPO.parent / "shared" / "data" / "old_film" / "a_bomb_blast_effects_excerpt.mp4"
SIZE = (854, 480)
OBJECT_LEVEL = 245  # the fast square's level


def clean_clip(frames: int, size=SIZE) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Grey frames of a slow pan and zoom, and the mask of the fast bright square on each."""
    picture = cv2.imread(str(PICTURE), cv2.IMREAD_GRAYSCALE)
    picture = cv2.resize(picture, (round(size[0] * 1.3), round(size[0] * 1.3 * picture.shape[0] / picture.shape[1])))
    width, height = size
    clip, masks = [], []
    for t in range(frames):
        zoom = 1.0 + 0.004 * t
        matrix = np.float32([[zoom, 0, 20 + 2.5 * t], [0, zoom, 30 + 1.0 * t]])
        frame = cv2.warpAffine(picture, matrix, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        mask = np.zeros((height, width), bool)
        x, y = 40 + 21 * t, height // 3 + 4 * t  # 21 px a frame: far beyond what the flow follows
        mask[y:y + 7, x:x + 7] = True
        frame[mask] = OBJECT_LEVEL
        clip.append(frame)
        masks.append(mask)
    return clip, masks


def damage(clip: list[np.ndarray], seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The clip with flicker, scratches, blotches and grain; and the mask of the blotches on each frame."""
    rng = np.random.default_rng(seed)
    height, width = clip[0].shape
    ramp = np.linspace(-1, 1, width, dtype=np.float32)[None, :]
    scratches = [dict(x=rng.uniform(0.15, 0.85) * width, start=rng.integers(0, len(clip) // 3),
                      length=rng.integers(len(clip) // 2, len(clip)), level=rng.choice([-1, 1]) * rng.uniform(35, 60),
                      slant=rng.uniform(-0.01, 0.01)) for _ in range(3)]
    out, blotch_masks = [], []
    for t, frame in enumerate(clip):
        gain, offset, tilt = rng.uniform(0.85, 1.15), rng.uniform(-12, 12), rng.uniform(-8, 8)
        f = frame.astype(np.float32) * gain + offset + tilt * ramp
        rows = np.arange(height, dtype=np.float32)[:, None]
        cols = np.arange(width, dtype=np.float32)[None, :]
        for s in scratches:
            s["x"] += rng.uniform(-1, 1)
            if s["start"] <= t < s["start"] + s["length"]:
                distance = np.abs(cols - (s["x"] + s["slant"] * rows))
                f += s["level"] * np.clip(1.5 - distance, 0, 1)
        blotches = np.zeros((height, width), np.uint8)
        levels = np.zeros((height, width), np.float32)
        for _ in range(20):
            centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            axes = (int(rng.integers(2, 9)), int(rng.integers(2, 9)))
            level = float(rng.uniform(0, 40) if rng.random() < 0.5 else rng.uniform(215, 255))
            cv2.ellipse(blotches, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
            cv2.ellipse(levels, centre, axes, float(rng.uniform(0, 180)), 0, 360, level, -1)
        hit = (blotches > 0) & (levels > 0)
        f[hit] = levels[hit]
        f += cv2.GaussianBlur(rng.normal(0, 9, (height, width)).astype(np.float32), (0, 0), 0.7) * 1.6
        out.append(np.clip(f + 0.5, 0, 255).astype(np.uint8))
        blotch_masks.append(hit)
    return out, blotch_masks


def restore_frames(frames: list[np.ndarray], options: RestoreOptions = RestoreOptions()) -> tuple[list[np.ndarray], float]:
    """Grey frames restored in memory, and the seconds per frame it took."""
    restorer = FilmRestorer(options)
    rgb = [np.repeat(f[..., None], 3, axis=2) for f in frames]
    start = time.perf_counter()
    out = restorer(rgb) + restorer.finish()
    seconds = (time.perf_counter() - start) / len(frames)
    return [f[..., 0] for f in out], seconds


def tone_fitted(image: np.ndarray, clean: np.ndarray, where: np.ndarray) -> np.ndarray:
    """`image` (float32) through the gain, offset and linear ramps in x and y that best match it to `clean`
    over `where` (least squares)."""
    rows, cols = np.indices(image.shape, dtype=np.float32)
    terms = np.stack([image.astype(np.float32), np.ones_like(rows), cols / image.shape[1], rows / image.shape[0]], -1)
    coefficients = np.linalg.lstsq(terms[where][::5], clean[where][::5].astype(np.float32), rcond=None)[0]
    return terms @ coefficients


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2))
    return 10 * np.log10(255 ** 2 / max(mse, 1e-9))


def synthetic(frames: int, stills: Path | None) -> dict:
    clean, objects = clean_clip(frames)
    damaged, blotches = damage(clean)
    restored, seconds = restore_frames(damaged)
    error = lambda a, t: np.abs(a[t].astype(np.float32) - clean[t])  # noqa: E731
    blotches = [b & ~o for b, o in zip(blotches, objects)]
    visible = [b & (error(damaged, t) >= 30) for t, b in enumerate(blotches)]
    removed = sum(int((error(restored, t)[v] < error(damaged, t)[v] / 3).sum()) for t, v in enumerate(visible))
    # the square's error after the damage's own tone model (gain, offset, a ramp across the frame) is
    # fitted, frame by frame, outside it: what is measured is whether it survives, not leftover flicker.
    # Its level is taken where the damage did not clip it at 255 (no restoration can know it there);
    # whether it was lost (taken for dust: over 60 levels off), over all of it
    fitted = [tone_fitted(restored[t], clean[t], ~m) for t, m in enumerate(objects)]
    object_error = [float(np.abs(fitted[t] - clean[t])[m & (damaged[t] < 255)].mean())
                    for t, m in enumerate(objects) if (m & (damaged[t] < 255)).any()]
    object_lost = [float(np.abs(fitted[t] - clean[t])[m].mean()) > 60 for t, m in enumerate(objects)]
    if stills is not None:
        t = frames // 2
        _save(stills / "synthetic.png", [clean[t], damaged[t], restored[t]])
    result = {
        "frames": frames, "size": list(SIZE),
        "psnr_damaged_db": round(float(np.mean([psnr(d, c) for d, c in zip(damaged, clean)])), 2),
        "psnr_restored_db": round(float(np.mean([psnr(r, c) for r, c in zip(restored, clean)])), 2),
        "blotch_pixels_removed": round(removed / max(1, sum(int(v.sum()) for v in visible)), 3),
        # the square's mean error per frame after the tone fit (median, worst), and the frames it was lost on
        "fast_object_error_levels_median": round(float(np.median(object_error)), 1),
        "fast_object_error_levels_worst": round(max(object_error), 1),
        "fast_object_frames_lost": sum(object_lost),
        "fast_object_frames": len(objects),
        "restore_s_per_frame": round(seconds, 3),
    }
    result["psnr_gain_db"] = round(result["psnr_restored_db"] - result["psnr_damaged_db"], 2)
    return result


def read_grey(path: Path) -> list[np.ndarray]:
    with FrameReader(path, probe(path)) as reader:
        return [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in reader]


def shot_cuts(frames: list[np.ndarray]) -> list[int]:
    """Indices of the frames that start a new shot."""
    luma = [small_luma(np.repeat(f[..., None], 3, axis=2)) for f in frames]
    return [t for t in range(1, len(frames)) if is_scene_cut(luma_change(luma[t - 1], luma[t]))]


def real(path: Path, stills: Path | None) -> dict:
    frames = read_grey(path)
    restored, seconds = restore_frames(frames)
    cuts = shot_cuts(frames)
    before, after = flicker(frames, cuts), flicker(restored, cuts)
    tones = tone_levels(frames, cuts), tone_levels(restored, cuts)
    tone_before, tone_after = (level_flicker(levels, cuts) for levels in tones)
    repeats = repeated(frames, cuts)
    neighbours = distinct_neighbours(repeats, cuts)
    fine = FlowAligner(max(frames[0].shape), cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    spikes_before, spikes_after = spike_count(frames, neighbours, fine), spike_count(restored, neighbours, fine)
    fast_before, fast_after = (spike_count(frames, neighbours, coarse_aligner()),
                               spike_count(restored, neighbours, coarse_aligner()))
    motion = motion_levels(frames, cuts, fine)
    of_motion = level_flicker(motion, cuts)
    # a repeat is output as its original restored: the pairs found stay identical
    pairs_identical = all(np.array_equal(restored[t], restored[t - 1]) for t in np.flatnonzero(repeats))
    if stills is not None:
        for t in (60, 150, 300):
            if t < len(frames):
                _save(stills / f"real_{t:03d}.png", [frames[t], restored[t]])
    return {
        "file": path.name, "frames": len(frames), "size": [frames[0].shape[1], frames[0].shape[0]], "cuts": len(cuts),
        "repeats": int(sum(repeats)), "repeated_pairs_identical": pairs_identical,
        "flicker_before": round(before, 3), "flicker_after": round(after, 3),
        "flicker_reduction": round(1 - after / before, 3),
        # what a perfect de-flicker leaves, and the reduction it would make
        "flicker_of_motion": round(of_motion, 3), "flicker_reduction_possible": round(1 - of_motion / before, 3),
        "tone_flicker_before": round(tone_before, 3), "tone_flicker_after": round(tone_after, 3),
        "tone_flicker_reduction": round(1 - tone_after / tone_before, 3),
        "tone_trend_shift": round(trend_shift(*tones, cuts), 2),
        "spikes_before": spikes_before, "spikes_after": spikes_after,
        "spike_reduction": round(1 - spikes_after / max(1, spikes_before), 3),
        "spikes_fast_flow_before": fast_before, "spikes_fast_flow_after": fast_after,
        "spike_fast_flow_reduction": round(1 - fast_after / max(1, fast_before), 3),
        "flicker_by_shot": by_shot(frames, restored, cuts, tones, motion),
        "restore_s_per_frame": round(seconds, 3),
    }


def speed(seconds: float) -> dict:
    """`colorize_video` with and without restoration on the same 480p clip (random-weight video model)."""
    from benchmarks.video import build_colorizer, make_clip

    colorizer = build_colorizer(None, None)
    with tempfile.TemporaryDirectory() as folder:
        clip = make_clip(Path(folder) / "in.mp4", SIZE, seconds)
        colorize_video(clip, Path(folder) / "warm.mp4", colorizer)  # warm-up: first-call costs aside
        timings = {}
        for restore in (False, True):
            start = time.perf_counter()
            result = colorize_video(clip, Path(folder) / "out.mp4", colorizer, restore=restore)
            timings[restore] = (time.perf_counter() - start) / result.frames
    return {"colorize_s_per_frame": round(timings[False], 3), "colorize_restore_s_per_frame": round(timings[True], 3),
            "restoration_adds": round(timings[True] / timings[False] - 1, 3)}


def _save(path: Path, frames: list[np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.concatenate(frames, axis=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=36, help="frames of the synthetic clip")
    parser.add_argument("--stills", type=Path, default=None, help="folder for before/after PNGs")
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--speed-seconds", type=float, default=2.0, help="length of the 480p clip timed")
    args = parser.parse_args()
    report = {"synthetic": synthetic(args.frames, args.stills)}
    if not args.skip_real and REAL_FILM.is_file():
        report["real"] = real(REAL_FILM, args.stills)
    if not args.skip_speed:
        report["speed"] = speed(args.speed_seconds)
        report["speed"]["restore_alone_vs_colouring"] = round(
            report["synthetic"]["restore_s_per_frame"] / report["speed"]["colorize_s_per_frame"], 3)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
