"""`python -m nogan`: colour photos, videos and whole folders from the command line.

Exit status: 0 when every file was coloured, 1 when any failed (each failure is reported and
skipped), 2 for a usage error.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm

from .colorizer import Colorizer, load_colorizer
from .device import PRECISIONS
from .errors import NoganError

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
MODEL_ENV = "NOGAN_MODEL"


def _video_extensions() -> set[str]:
    from .video import VIDEO_EXTENSIONS

    return set(VIDEO_EXTENSIONS)


def find_inputs(paths: list[Path], exclude: Path) -> Iterator[tuple[Path, Path]]:
    """(file, path relative to its root) for every image or video, folders searched recursively."""
    extensions = IMAGE_EXTENSIONS | _video_extensions()
    for root in paths:
        if root.is_file():
            yield root, Path(root.name)
        elif root.is_dir():
            for f in sorted(root.rglob("*")):
                # never feed our own outputs back in when the output folder is inside an input folder
                if f.is_file() and f.suffix.lower() in extensions and exclude not in f.resolve().parents:
                    yield f, f.relative_to(root)
        else:
            raise FileNotFoundError(f"no such file or folder: {root}")


def output_path(relative: Path, out_dir: Path) -> Path:
    is_video = relative.suffix.lower() in _video_extensions()
    return out_dir / relative.parent / f"{relative.stem}_colorized{'.mp4' if is_video else '.png'}"


def colorize_file(src: Path, dst: Path, colorizer: Colorizer, args: argparse.Namespace) -> None:
    if dst.resolve() == src.resolve():
        raise ValueError(f"refusing to overwrite the input {src}")
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.suffix.lower() in _video_extensions():
        from .video import colorize_video

        with tqdm(unit="frame", desc=src.name, leave=False) as bar:
            def progress(done: int, total: int | None, eta: float | None) -> None:
                bar.total, bar.n = total, done
                bar.refresh()

            colorize_video(src, dst, colorizer, args.render_factor, stabilization=args.stabilization,
                           keyframe_interval=args.keyframe_interval, progress=progress)
        return
    image = colorizer.colorize(src, args.render_factor, post_process=not args.no_post_process)
    tmp = dst.with_name(f".{dst.name}.partial")
    try:
        image.save(tmp, format="PNG")
        tmp.replace(dst)
    finally:
        tmp.unlink(missing_ok=True)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m nogan", description=__doc__.split("\n")[0])
    p.add_argument("inputs", nargs="+", type=Path, help="image or video files, or folders (searched recursively)")
    p.add_argument("-o", "--output", type=Path, default=Path("colorized"), help="output folder (default: ./colorized)")
    p.add_argument("-m", "--model", default=os.environ.get(MODEL_ENV, "artistic"),
                   help=f"model name, local folder/.pth or Hub repo (default: ${MODEL_ENV} or 'artistic')")
    p.add_argument("-r", "--render-factor", type=int, default=None,
                   help="detail of the colour (1-100); default: the model's (35 photos, 21 videos)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1, mps (default: best available)")
    p.add_argument("--precision", choices=sorted(PRECISIONS), default=None,
                   help="default: fp16 on CUDA, bf16 on CPUs that support it, else fp32")
    p.add_argument("--no-post-process", action="store_true", help="keep the model's own luminance")
    p.add_argument("--stabilization", type=float, default=0.5, help="video flicker reduction, 0 (off) to 1")
    p.add_argument("--keyframe-interval", type=int, default=None, metavar="N",
                   help="videos: the model colours every N-th frame, the others borrow its colour along the "
                        "motion; 1 = every frame (default: 2 on a CPU, 1 on a GPU)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        files = list(find_inputs(args.inputs, args.output.resolve()))
        colorizer, note = load_colorizer(args.model, args.device, args.precision)
    except (NoganError, ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if note:
        print(f"note: {note}", file=sys.stderr)
    if not files:
        print("error: no images or videos found in the given paths", file=sys.stderr)
        return 2
    failed = 0
    for src, relative in tqdm(files, unit="file", desc=f"colorizing ({colorizer.info.name})"):
        dst = output_path(relative, args.output)
        try:
            colorize_file(src, dst, colorizer, args)
        except (NoganError, ValueError, OSError) as e:
            failed += 1
            tqdm.write(f"skipped {src}: {e}", file=sys.stderr)
    print(f"{len(files) - failed} of {len(files)} coloured into {args.output}", file=sys.stderr)
    return 1 if failed else 0
