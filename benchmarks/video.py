"""Video pipeline speed and memory, as JSON.

    python benchmarks/video.py                        # 480p and 720p at rf 21, fp32 and auto; memory
    python benchmarks/video.py --model video --seconds 3 --sizes 854x480

Speed: frames per second through `colorize_video` (decode, model, keyframes, stabilisation,
encode) on the bundled black-and-white film (examples/old_film.mp4: two slow zoom-and-pan shots
with grain, exposure flicker and a cut, with sound) scaled to each size and looped to `--seconds`,
after a warm-up batch; `model_share` is the part of the time spent in the model and
`model_frames` how many frames it coloured (the others borrowed colour from keyframes). Without
`--model`, the real "video" architecture (resnet101, wide, nf_factor 2) is built with random
weights: speed does not depend on the weight values.
Memory: peak resident memory of a fresh process colouring a 30 s and a 120 s clip (small frames,
a tiny model, a low render factor): frames are streamed, so the two should be close.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nogan import Colorizer, GeneratorConfig, ModelInfo, UnetGenerator  # noqa: E402
from nogan.video import colorize_video  # noqa: E402
from nogan.video.probe import ffmpeg_exe  # noqa: E402
from nogan.weights.registry import MODELS  # noqa: E402

TINY = GeneratorConfig("efficientnet_lite0", "wide", 0.0625)
FILM = Path(__file__).resolve().parent.parent / "examples" / "old_film.mp4"


def make_clip(path: Path, size: tuple[int, int], seconds: float) -> Path:
    """The bundled film with its sound, scaled to `size` and looped to `seconds`, H.264 + AAC."""
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-stream_loop", "-1", "-i", str(FILM), "-t", str(seconds),
                    "-vf", f"scale={size[0]}:{size[1]},setsar=1", "-c:v", "libx264", "-preset", "veryfast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)], check=True)
    return path


def build_colorizer(model: str | None, precision: str | None,
                    config: GeneratorConfig = MODELS["video"].config) -> Colorizer:
    if model is not None:
        return Colorizer.from_pretrained(model, "cpu", precision).load()
    torch.manual_seed(0)
    return Colorizer(UnetGenerator(config), "cpu", precision, info=ModelInfo("random weights"))


class TimedColorizer:
    """Counts the seconds spent in `colorize_batch`."""

    def __init__(self, colorizer: Colorizer):
        self.info, self.device, self._colorizer, self.seconds = colorizer.info, colorizer.device, colorizer, 0.0

    def colorize_batch(self, frames, render_factor=None, post_process=True):
        start = time.perf_counter()
        try:
            return self._colorizer.colorize_batch(frames, render_factor, post_process)
        finally:
            self.seconds += time.perf_counter() - start


def gflops_per_frame(colorizer: Colorizer, render_factor: int) -> float:
    """Floating-point operations of one model forward pass (multiply-adds count two)."""
    with FlopCounterMode(display=False) as counter:
        colorizer.colorize_batch([np.zeros((64, 64, 3), np.uint8)], render_factor)
    return round(counter.get_total_flops() / 1e9, 1)


def parse_size(text: str) -> tuple[int, int]:
    width, height = text.split("x")
    return int(width), int(height)


def speed(colorizer: Colorizer, clip: Path, size: tuple[int, int], render_factor: int, batch_size: int,
          keyframe_interval: int | None) -> dict:
    blank = [np.zeros((size[1], size[0], 3), np.uint8)] * batch_size
    colorizer.colorize_batch(blank, render_factor)  # warm-up: oneDNN picks its kernels on first use
    timed = TimedColorizer(colorizer)
    start = time.perf_counter()
    result = colorize_video(clip, clip.with_name("out.mp4"), timed, render_factor, batch_size=batch_size,
                            keyframe_interval=keyframe_interval)
    seconds = time.perf_counter() - start
    return dict(input=f"{size[0]}x{size[1]}", render_factor=render_factor, precision=colorizer.precision,
                keyframe_interval=keyframe_interval or "default", batch_size=batch_size, frames=result.frames,
                model_frames=result.model_frames, seconds=round(seconds, 2),
                fps=round(result.frames / seconds, 3), seconds_per_frame=round(seconds / result.frames, 3),
                model_share=round(timed.seconds / seconds, 3))


class PeakMemory(threading.Thread):
    """Samples the resident memory of this process plus its children (the ffmpeg pipes) every 50 ms.

    Linux only (/proc). ru_maxrss would not do: a child started by fork + exec inherits its
    parent's peak, so a process launched from this benchmark would report the big model's memory.
    """

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_kib, self._done = 0, threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.05):
            pids = [os.getpid()] + [int(p.parent.name) for p in Path("/proc").glob("[0-9]*/stat")
                                    if _parent(p) == os.getpid()]
            self.peak_kib = max(self.peak_kib, sum(_rss_kib(pid) for pid in pids))

    def stop(self) -> float:
        self._done.set()
        self.join()
        return round(self.peak_kib / 1024, 1)


def _parent(stat: Path) -> int:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError):
        return -1


def _rss_kib(pid: int, field: str = "VmRSS") -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith(field + ":")), 0)


def peak_memory(seconds: float, size: tuple[int, int], render_factor: int) -> dict:
    """Run in a fresh process: the peak memory of this process alone, and with its ffmpeg children."""
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(Path(tmp) / "clip.mp4", size, seconds)
        colorizer = build_colorizer(None, "fp32", TINY)
        sampler = PeakMemory()
        sampler.start()
        start = time.perf_counter()
        result = colorize_video(clip, Path(tmp) / "out.mp4", colorizer, render_factor)
        elapsed, total_mib = time.perf_counter() - start, sampler.stop()
    return dict(clip_seconds=seconds, frames=result.frames, input=f"{size[0]}x{size[1]}", render_factor=render_factor,
                seconds=round(elapsed, 1), peak_python_mib=round(_rss_kib(os.getpid(), "VmHWM") / 1024, 1),
                peak_with_ffmpeg_mib=total_mib)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=None, help="model name or path (default: random-weight 'video' architecture)")
    p.add_argument("--sizes", nargs="+", default=["854x480", "1280x720"])
    p.add_argument("--precisions", nargs="+", default=["fp32", "auto"])
    p.add_argument("--render-factor", type=int, default=21)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's, one per core)")
    p.add_argument("--keyframe-intervals", nargs="+", type=int, default=[1, 0],
                   help="1: the model colours every frame; 0: colorize_video's default (2 on a CPU)")
    p.add_argument("--seconds", type=float, default=2.0, help="clip length for the speed runs")
    p.add_argument("--memory-seconds", nargs="*", type=float, default=[30, 120])
    p.add_argument("--memory-size", default="160x120")
    p.add_argument("--memory-render-factor", type=int, default=4)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    load = os.getloadavg()  # other work on the machine slows every figure: say how much there was
    rows, gflops = [], None
    with tempfile.TemporaryDirectory() as tmp:
        for precision in args.precisions:
            colorizer = build_colorizer(args.model, None if precision == "auto" else precision)
            for size in map(parse_size, args.sizes):
                clip = make_clip(Path(tmp) / "clip.mp4", size, args.seconds)
                for interval in args.keyframe_intervals:
                    row = speed(colorizer, clip, size, args.render_factor, args.batch_size, interval or None)
                    rows.append(dict(requested=precision, **row))
                    print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        gflops = gflops_per_frame(colorizer, args.render_factor)
    spawn = multiprocessing.get_context("spawn")
    memory = []
    for seconds in args.memory_seconds:
        with spawn.Pool(1) as pool:  # a fresh process each: peak memory is per run
            memory.append(pool.apply(peak_memory, (seconds, parse_size(args.memory_size), args.memory_render_factor)))
        print(json.dumps(memory[-1]), file=sys.stderr, flush=True)
    print(json.dumps(dict(model=args.model or "video architecture, random weights", model_gflops_per_frame=gflops,
                          torch=torch.__version__, threads=torch.get_num_threads(), cpus=os.cpu_count(),
                          cpu=platform.processor() or platform.machine(),
                          load_average_1min=dict(start=load[0], end=os.getloadavg()[0]),
                          speed=rows, memory=memory), indent=2))


if __name__ == "__main__":
    main()
