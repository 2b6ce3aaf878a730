"""Films on Ray: cut at scene cuts into chunks, chunks coloured in parallel as Ray tasks, joined.

Work is kept beside the output in a hidden folder `.NAME.chunks/` holding the plan and each
finished chunk. A chunk counts as done only when it has the right number of frames, so a rerun
after a crash or a lost node redoes only the rest; the folder is removed once the film is joined.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import ray

from ..job import Job, process_video
from ..video.errors import FFmpegError
from ..video.probe import VideoInfo, probe
from .film_chunks import count_frames, extract_chunk, join_chunks
from .film_plan import plan_chunks, scan_cuts
from .options import ClusterOptions

PLAN_NAME = "plan.json"


@dataclass(frozen=True)
class FilmResult:
    """What `colorize_film` did: `coloured` of the `chunks` were coloured now, the others were done."""

    path: Path
    frames: int
    chunks: int
    coloured: int
    model: str


def colorize_film(job: Job, src: Path, dst: Path, options: ClusterOptions) -> FilmResult:
    """Colour the film `src` into the MP4 `dst` on the connected Ray cluster.

    The result has the frames, rate and sound `process_video` gives on one machine.
    """
    src, dst = Path(src), Path(dst)
    if dst.suffix.lower() != ".mp4":
        raise ValueError(f"dst={str(dst)!r} must end with .mp4 (the output is H.264 in MP4)")
    info = probe(src)
    work = dst.with_name(f".{dst.stem}.chunks")
    chunks = _load_or_plan(job, src, info, work, options)
    outputs = [work / f"chunk_{i:05d}.mp4" for i in range(len(chunks))]
    todo = [i for i, (first, end) in enumerate(chunks) if not _has_frames(outputs[i], end - first)]
    task = _colorize_chunk.options(**options.resources)
    limit = options.film_workers or len(todo)
    results, pending = [], []
    for i in todo:
        if len(pending) >= limit:  # at most `film_workers` chunks at once
            _, pending = ray.wait(pending, num_returns=1)
        first, end = chunks[i]
        whole = len(chunks) == 1  # coloured straight from the source, as on one machine
        results.append(task.remote(job, src, info, first, end - first, outputs[i], whole))
        pending.append(results[-1])
    models = set(ray.get(results))  # raises the first chunk's error, if any
    join_chunks(outputs, src, info, dst)
    frames = count_frames(dst)
    if frames != chunks[-1][1]:
        dst.unlink(missing_ok=True)
        raise FFmpegError(f"joining {src.name} gave {frames} frames instead of {chunks[-1][1]}")
    shutil.rmtree(work, ignore_errors=True)
    return FilmResult(dst, frames, len(chunks), len(todo), ", ".join(sorted(models)) or job.model)


@ray.remote
def _colorize_chunk(job: Job, src: Path, info: VideoInfo, first: int, count: int, dst: Path, whole: bool) -> str:
    """Colour frames `first` to `first + count - 1` of `src` (all of it when `whole`) into `dst`
    through `process_video`; returns the model's name."""
    models = job.load_models()
    with tempfile.TemporaryDirectory(prefix="nogan-chunk-") as tmp:
        piece = src if whole else extract_chunk(src, info, first, count, Path(tmp) / "chunk.mkv")
        frames = process_video(job.for_frames(first, count), models, piece, dst).frames
    if frames != count:
        dst.unlink(missing_ok=True)
        raise FFmpegError(f"chunk of {src.name} from frame {first} has {frames} frames instead of {count}")
    return models.name


def _load_or_plan(job: Job, src: Path, info: VideoInfo, work: Path, options: ClusterOptions) -> list[tuple[int, int]]:
    """The saved plan when it was made for this source, job and chunk length; else a new one."""
    stat = src.stat()
    key = {"source": str(src.resolve()), "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns,
           "job": job.to_dict(), "chunk_seconds": list(options.chunk_seconds)}
    plan_file = work / PLAN_NAME
    try:
        saved = json.loads(plan_file.read_text())
        if saved["key"] == json.loads(json.dumps(key, default=str)):
            return [tuple(chunk) for chunk in saved["chunks"]]
    except (OSError, ValueError, KeyError):
        pass
    shutil.rmtree(work, ignore_errors=True)  # chunks of another source or job: start over
    work.mkdir(parents=True)
    cuts, frames = scan_cuts(src, info)
    # Chunks are cut out by time and frame count, which is exact when every stored frame is one
    # frame of the output; where the reader repeats or drops frames (uneven time stamps), the film
    # is coloured whole.
    regular = count_frames(src) == frames
    chunks = plan_chunks(cuts, frames, info.fps, options.chunk_seconds) if regular else [(0, frames)]
    plan_file.write_text(json.dumps({"key": key, "cuts": cuts, "chunks": chunks}, indent=1, default=str))
    return chunks


def _has_frames(path: Path, count: int) -> bool:
    try:
        return path.is_file() and count_frames(path) == count
    except FFmpegError:
        return False  # a truncated chunk: redo it
