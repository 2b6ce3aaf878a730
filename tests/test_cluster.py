"""The Ray backend on a local Ray instance: same files as the local CLI, bad files reported,
resumable runs, films coloured in chunks that join without a seam."""
from __future__ import annotations

import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import ray
import cv2
from PIL import Image

from nogan.cli import find_inputs
from nogan.cluster import ClusterOptions, colorize_film, connect, read_manifest, run
from nogan.cluster.film_chunks import count_frames, extract_chunk
from nogan.cluster.film_plan import plan_chunks, scan_cuts
from nogan.job import Job, output_path, process_photo, process_video
from nogan.video import flicker_score, probe
from nogan.video.io import FrameReader
from nogan.video.probe import ffmpeg_exe

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
OPTIONS = ClusterOptions(batch_size=2, chunk_seconds=(0.5, 1.0))


@pytest.fixture(scope="session")
def local_ray():
    """One small local Ray instance for every test (2 CPUs, a 100 MiB object store)."""
    connect(num_cpus=2, object_store_memory=100 * 2**20)
    yield
    ray.shutdown()


@pytest.fixture(scope="session")
def tiny_job(tiny_model_dir) -> Job:
    # the model by its folder: actors load it themselves, no weights cross the cluster
    return Job(model=str(tiny_model_dir), device="cpu", precision="fp32")


@pytest.fixture(scope="session")
def film(tmp_path_factory) -> Path:
    """Two seconds of the bundled film around its cut (at 1 s), with its sound."""
    path = tmp_path_factory.mktemp("film") / "film.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-ss", "1", "-i", str(EXAMPLES / "old_film.mp4"), "-t", "2",
                    "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", str(path)], check=True)
    return path


@pytest.fixture
def scans(tmp_path) -> Path:
    """Four photos, one in a subfolder, and a truncated JPEG."""
    folder = tmp_path / "scans"
    (folder / "box2").mkdir(parents=True)
    for name in ("astronaut.jpg", "camera.jpg", "chelsea.jpg"):
        shutil.copy(EXAMPLES / name, folder / name)
    shutil.copy(EXAMPLES / "rocket.jpg", folder / "box2" / "rocket.jpg")
    (folder / "broken.jpg").write_bytes((EXAMPLES / "coffee.jpg").read_bytes()[:2000])
    return folder


def test_photos_match_the_local_backend_bad_files_are_reported_and_reruns_resume(local_ray, tiny_job, scans, tmp_path):
    out = tmp_path / "out"
    files = list(find_inputs([scans], out.resolve()))
    assert run(tiny_job, files, out, OPTIONS) == 1  # one file failed

    rows = {Path(row.path).name: row for row in read_manifest(out / "manifest.csv")}
    assert rows["broken.jpg"].status == "error"
    assert "corrupt" in rows["broken.jpg"].error or "not an image" in rows["broken.jpg"].error
    assert {name: row.status for name, row in rows.items() if name != "broken.jpg"} == dict.fromkeys(
        ["astronaut.jpg", "camera.jpg", "chelsea.jpg", "rocket.jpg"], "done")
    assert all(row.model == "tiny" and (row.seconds > 0 or row.status == "error") for row in rows.values())
    assert not (out / "broken_colorized.png").exists()

    models = tiny_job.load_models()
    for src, relative in files:
        if src.name == "broken.jpg":
            continue
        local = tmp_path / "local" / relative.with_suffix(".png")
        process_photo(tiny_job, models, src, local)
        on_ray = np.asarray(Image.open(output_path(relative, out)), np.int16)
        assert on_ray.shape == np.asarray(Image.open(src).convert("RGB")).shape
        assert np.abs(on_ray - np.asarray(Image.open(local), np.int16)).max() <= 1, src.name
    assert (out / "box2" / "rocket_colorized.png").is_file()
    assert not list(out.rglob("*.partial"))

    # a second run skips what is done and writes nothing; the broken file is tried again
    written = {p: p.stat().st_mtime_ns for p in out.rglob("*.png")}
    assert len(written) == 4
    assert run(tiny_job, files, out, OPTIONS) == 1
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.png")} == written
    statuses = {Path(row.path).name: row.status for row in read_manifest(out / "manifest.csv")}
    assert statuses.pop("broken.jpg") == "error"
    assert set(statuses.values()) == {"skipped"}


def test_a_film_in_chunks_matches_the_local_result(local_ray, tiny_job, film, tmp_path):
    info = probe(film)
    cuts, frames = scan_cuts(film, info)
    chunks = plan_chunks(cuts, frames, info.fps, OPTIONS.chunk_seconds)
    assert len(chunks) >= 2 and all(first in cuts for first, _ in chunks[1:])

    out = tmp_path / "out"
    assert run(tiny_job, [(film, Path(film.name))], out, OPTIONS) == 0
    on_ray = output_path(Path(film.name), out)
    assert not list(out.glob(".*"))  # the chunks and the playlist are gone
    local = process_video(tiny_job, tiny_job.load_models(), film, tmp_path / "local.mp4")

    result = probe(on_ray)
    assert (result.fps, result.output_size, result.audio_codec) == (local.fps, local.size, "aac")
    assert result.duration == pytest.approx(probe(local.path).duration, abs=0.05)
    ray_frames, local_frames = _frames(on_ray), _frames(local.path)
    assert len(ray_frames) == len(local_frames) == local.frames == frames
    # The chunks are coloured exactly as the whole; what differs is x264's rounding, as its look-ahead
    # sees other frames near a chunk's end. A seam would move a frame's colour or the flicker.
    difference = [np.abs(a.astype(np.int16) - b).mean() for a, b in zip(ray_frames, local_frames)]
    assert max(difference) < 2.5, difference
    colour_shift = [np.abs(_mean_chroma(a) - _mean_chroma(b)).max() for a, b in zip(ray_frames, local_frames)]
    assert max(colour_shift) < 0.5, colour_shift
    assert flicker_score(ray_frames) == pytest.approx(flicker_score(local_frames), abs=0.1)


def test_a_film_rerun_redoes_only_missing_chunks(local_ray, tiny_job, film, tmp_path):
    """A chunk left from an interrupted run is kept when its frame count is right."""
    from nogan.cluster.films import _colorize_chunk, _load_or_plan

    info, dst = probe(film), tmp_path / "film_colorized.mp4"
    work = dst.with_name(f".{dst.stem}.chunks")
    chunks = _load_or_plan(tiny_job, film, info, work, OPTIONS)
    first, end = chunks[0]
    kept = work / "chunk_00000.mp4"
    ray.get(_colorize_chunk.remote(tiny_job, film, info, first, end - first, kept, False))
    (work / "chunk_00001.mp4").write_bytes(kept.read_bytes()[:500])  # a chunk cut short by a crash

    result = colorize_film(tiny_job, film, dst, OPTIONS)
    assert (result.chunks, result.coloured) == (len(chunks), len(chunks) - 1)
    assert result.frames == chunks[-1][1] == probe(dst).frame_count
    assert not work.exists()


def _mean_chroma(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2YUV)[:, :, 1:].reshape(-1, 2).mean(axis=0)


def _frames(path: Path) -> list[np.ndarray]:
    with FrameReader(path, probe(path)) as reader:
        return list(reader)


def test_chunks_start_at_cuts_and_a_long_shot_stays_whole():
    fps = Fraction(24)
    assert plan_chunks([], 100, fps, (1, 2)) == [(0, 100)]
    assert plan_chunks([30, 40, 70, 90], 100, fps, (1, 2)) == [(0, 40), (40, 70), (70, 100)]
    assert plan_chunks([80], 100, fps, (0.5, 1)) == [(0, 80), (80, 100)]  # a 80-frame shot is not cut


def test_jobs_check_their_options_and_the_local_backend_never_imports_ray():
    with pytest.raises(ValueError, match="render_factor=0"):
        Job(render_factor=0)
    with pytest.raises(ValueError, match="upscale"):
        Job(options={"upscale": 3})
    with pytest.raises(ValueError, match="chunk_seconds"):
        ClusterOptions(chunk_seconds=(60, 30))
    code = "import sys, nogan, nogan.cli, nogan.job; assert 'ray' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_cut_out_chunk_holds_exactly_the_frames_the_pipeline_reads(film, tmp_path):
    info = probe(film)
    chunk = extract_chunk(film, info, 17, 11, tmp_path / "chunk.mkv")
    assert count_frames(chunk) == 11
    expected = _frames(film)[17:28]
    assert all(np.array_equal(a, b) for a, b in zip(_frames(chunk), expected, strict=True))


def test_a_film_with_uneven_time_stamps_is_not_cut(tiny_job, film, tmp_path):
    """Looping leaves a gap the reader fills with a repeated frame: cut by count, chunks would drift."""
    from nogan.cluster.films import _load_or_plan

    looped = tmp_path / "looped.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-stream_loop", "-1", "-i", str(film), "-t", "4", "-c:v", "libx264",
                    "-preset", "ultrafast", "-c:a", "aac", str(looped)], check=True)
    info = probe(looped)
    cuts, frames = scan_cuts(looped, info)
    assert len(cuts) >= 2 and count_frames(looped) != frames
    assert _load_or_plan(tiny_job, looped, info, tmp_path / "work", OPTIONS) == [(0, frames)]
