"""Throughput of the local backend and of Ray on this machine, as JSON.

    python benchmarks/scale.py                       # 24 photos, a 12 s film, the bundled 'lite' model
    python benchmarks/scale.py --photos 48 --film-seconds 30

Photos: the bundled examples/ and flipped, rotated and rescaled copies of them, up to `--photos`
files. The local backend colours them one after another in this process (`process_photo`, the
model loaded once beforehand); Ray colours the same folder with 1 and with 2 actors, the machine's
CPUs split evenly between them. Ray's start-up (`ray.init`) is timed on its own; each Ray run's wall
time includes starting its actors and loading the model in each; `seconds_per_photo_in_actor` is
the mean time an actor spent on one photo (decode, colour, write), and `steady_photos_per_s` the
rate from the first finished photo to the last (results arrive in blocks, so it runs high).
Film: the bundled film looped to `--film-seconds` (each loop adds a cut), coloured locally by
`process_video` and on Ray in chunks with 1 and with 2 workers (CPUs split evenly).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nogan.cli import find_inputs  # noqa: E402
from nogan.job import Job, output_path, process_photo, process_video  # noqa: E402
from nogan.video.probe import ffmpeg_exe  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
VARIANTS = (lambda im: im, ImageOps.mirror, ImageOps.flip, lambda im: im.rotate(90, expand=True),
            lambda im: im.resize((im.width * 3 // 4, im.height * 3 // 4)), ImageOps.grayscale)


def make_photos(folder: Path, count: int) -> Path:
    """`count` photos: the bundled examples, then variants of them."""
    sources = sorted(EXAMPLES.glob("*.jpg"))
    folder.mkdir(parents=True)
    for i in range(count):
        variant = VARIANTS[i // len(sources) % len(VARIANTS)]
        with Image.open(sources[i % len(sources)]) as image:
            variant(image.convert("RGB")).save(folder / f"scan_{i:04d}.jpg", quality=92)
    return folder


def make_film(path: Path, seconds: float) -> Path:
    """The bundled film looped to `seconds`, at a constant rate (a loop's seam would leave a gap)."""
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-stream_loop", "-1", "-i", str(EXAMPLES / "old_film.mp4"),
                    "-t", str(seconds), "-fps_mode", "cfr", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", str(path)], check=True)
    return path


def local_photos(job: Job, files: list[tuple[Path, Path]], out: Path) -> dict:
    models = job.load_models()
    started = time.perf_counter()
    for src, relative in files:
        process_photo(job, models, src, output_path(relative, out))
    wall = time.perf_counter() - started
    return {"wall_s": round(wall, 2), "photos_per_s": round(len(files) / wall, 3),
            "seconds_per_photo": round(wall / len(files), 3)}


def ray_photos(job: Job, files: list[tuple[Path, Path]], out: Path, actors: int, cpus: int) -> dict:
    from nogan.cluster import ClusterOptions, colorize_photos

    options = ClusterOptions(cpus_per_actor=cpus / actors, actors_per_node=actors, batch_size=2)
    finished = []
    started = time.perf_counter()
    rows = colorize_photos(job, {src: output_path(rel, out) for src, rel in files}, options,
                           on_row=lambda row: finished.append(time.perf_counter()))
    wall = time.perf_counter() - started
    assert all(row.status == "done" for row in rows), [row.error for row in rows if row.error]
    steady = (len(finished) - 1) / (finished[-1] - finished[0]) if len(finished) > 1 else None
    return {"actors": actors, "cpus_per_actor": cpus / actors, "wall_s": round(wall, 2),
            "photos_per_s": round(len(files) / wall, 3), "first_photo_s": round(finished[0] - started, 2),
            "seconds_per_photo_in_actor": round(sum(row.seconds for row in rows) / len(rows), 3),
            "steady_photos_per_s": None if steady is None else round(steady, 3)}


def ray_film(job: Job, film: Path, out: Path, workers: int, cpus: int) -> dict:
    from nogan.cluster import ClusterOptions, colorize_film

    options = ClusterOptions(cpus_per_actor=cpus / workers, film_workers=workers, chunk_seconds=(1.0, 3.0))
    started = time.perf_counter()
    result = colorize_film(job, film, out / f"film_{workers}.mp4", options)
    wall = time.perf_counter() - started
    return {"workers": workers, "cpus_per_worker": cpus / workers, "chunks": result.chunks,
            "frames": result.frames, "wall_s": round(wall, 2), "frames_per_s": round(result.frames / wall, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--film-seconds", type=float, default=12.0)
    parser.add_argument("--model", default="lite")
    parser.add_argument("--precision", default=None)
    args = parser.parse_args()
    cpus = os.cpu_count() or 1
    job = Job(model=args.model, device="cpu", precision=args.precision)
    report = {"machine": platform.processor() or platform.machine(), "cpus": cpus, "model": args.model,
              "precision": job.load_models().colorizer.precision}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = list(find_inputs([make_photos(tmp / "scans", args.photos)], tmp.resolve() / "out"))
        film = make_film(tmp / "film.mp4", args.film_seconds)
        report["photos"] = {"count": len(files), "local": local_photos(job, files, tmp / "out_local")}

        import ray
        from nogan.cluster import connect

        started = time.perf_counter()
        connect(num_cpus=cpus, object_store_memory=200 * 2**20)
        report["ray_init_s"] = round(time.perf_counter() - started, 2)
        report["photos"]["ray"] = [ray_photos(job, files, tmp / f"out_ray{n}", n, cpus) for n in (1, 2)]

        started = time.perf_counter()
        models = job.load_models()
        frames = process_video(job, models, film, tmp / "film_local.mp4").frames
        wall = time.perf_counter() - started
        report["film"] = {"seconds": args.film_seconds, "local": {
            "frames": frames, "wall_s": round(wall, 2), "frames_per_s": round(frames / wall, 3)},
            "ray": [ray_film(job, film, tmp, n, cpus) for n in (1, 2)]}
        ray.shutdown()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
