"""`run`: the CLI's `--backend ray`. Photos and films of one job on a Ray cluster, with a manifest."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import ray
from tqdm import tqdm

from ..job import Job, output_path
from ..video.probe import is_video_path
from .connect import connect
from .films import colorize_film
from .manifest import DONE, ERROR, MANIFEST_NAME, SKIPPED, ManifestRow, write_manifest
from .options import ClusterOptions
from .photos import colorize_photos


def run(job: Job, files: list[tuple[Path, Path]], out_dir: Path, options: ClusterOptions = ClusterOptions(),
        *, address: str | None = None) -> int:
    """Colour `files`, pairs of (source, path relative to its input folder), into `out_dir` on Ray.

    Joins the cluster at `address` or `$RAY_ADDRESS`, else starts a local one. Outputs have the
    names and contents the local CLI gives; one whose file exists already (an earlier, perhaps
    interrupted, run) is skipped. Writes `out_dir/manifest.csv` (path, status, error, seconds,
    model) at the end and returns the CLI's exit status: 0 when nothing failed, else 1.
    """
    connect(address)
    ray.data.DataContext.get_current().enable_progress_bars = False  # ours below counts the photos
    destinations = {Path(src): output_path(relative, out_dir, job.options["colorize"]) for src, relative in files}
    rows = [ManifestRow(str(src.resolve()), SKIPPED, "", 0.0, job.model)
            for src, dst in destinations.items() if dst.exists()]
    todo = {src: dst for src, dst in destinations.items() if not dst.exists()}
    photos = {src: dst for src, dst in todo.items() if not is_video_path(src)}
    with tqdm(total=len(photos), unit="photo", desc="colorizing on Ray", disable=not photos) as bar:
        rows += colorize_photos(job, photos, options, on_row=lambda row: bar.update())
    for src, dst in todo.items():
        if is_video_path(src):
            rows.append(_film(job, src, dst, options))
    write_manifest(rows, out_dir / MANIFEST_NAME)
    for row in rows:
        if row.status == ERROR:
            print(f"skipped {row.path}: {row.error}", file=sys.stderr)
    counts = {status: sum(row.status == status for row in rows) for status in (DONE, SKIPPED, ERROR)}
    done = "coloured" if job.options["colorize"] else "restored"
    print(f"{counts[DONE]} {done}, {counts[SKIPPED]} already done, {counts[ERROR]} failed, of {len(rows)} "
          f"into {out_dir} (manifest: {out_dir / MANIFEST_NAME})", file=sys.stderr)
    return 1 if counts[ERROR] else 0


def _film(job: Job, src: Path, dst: Path, options: ClusterOptions) -> ManifestRow:
    started = time.perf_counter()
    try:
        model, status, error = colorize_film(job, src, dst, options).model, DONE, ""
    except Exception as e:  # reported in the manifest; the other files go on
        status, error, model = ERROR, f"{type(e).__name__}: {e}", job.model
    return ManifestRow(str(src.resolve()), status, error, round(time.perf_counter() - started, 3), model)
