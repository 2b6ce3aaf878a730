"""`python -m nogan`: colour photos, videos and whole folders from the command line.

Exit status: 0 when every file was coloured, 1 when any failed (each failure is reported and
skipped), 2 for a usage error. Options are checked before any model is loaded; the heavy modules
(PyTorch) are imported only once there is work to do, so that `--help` is instant.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from typing import TYPE_CHECKING

from tqdm import tqdm

from .errors import NoganError

if TYPE_CHECKING:
    from .colorizer import Colorizer

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
MODEL_ENV = "NOGAN_MODEL"
PRECISION_CHOICES = ("bf16", "fp16", "fp32")  # nogan.device.PRECISIONS, named here without importing torch


def _video_extensions() -> set[str]:
    from .video import VIDEO_EXTENSIONS

    return set(VIDEO_EXTENSIONS)


def find_inputs(paths: list[Path], out_dir: Path) -> Iterator[tuple[Path, Path]]:
    """(file, path relative to its root) for every image or video, folders searched recursively.

    An output folder inside an input folder is skipped, so that our results are never fed back in;
    an output folder that is an input folder is a `ValueError`.
    """
    extensions = IMAGE_EXTENSIONS | _video_extensions()
    out_dir = out_dir.resolve()
    for root in paths:
        if root.is_file():
            yield root, Path(root.name)
        elif root.is_dir():
            if root.resolve() == out_dir:
                raise ValueError(f"the output folder {out_dir} is the input folder {root}: the results would be "
                                 "mixed with the originals and coloured again on the next run; choose another "
                                 "with -o (the default is ./colorized)")
            inside = root.resolve() in out_dir.parents
            for f in sorted(root.rglob("*")):
                if f.is_file() and f.suffix.lower() in extensions and not (inside and out_dir in f.resolve().parents):
                    yield f, f.relative_to(root)
        else:
            raise FileNotFoundError(f"no such file or folder: {root}")


def output_path(relative: Path, out_dir: Path) -> Path:
    is_video = relative.suffix.lower() in _video_extensions()
    return out_dir / relative.parent / f"{relative.stem}_colorized{'.mp4' if is_video else '.png'}"


def colorize_file(src: Path, dst: Path, colorizer: "Colorizer", args: argparse.Namespace) -> None:
    if dst.resolve() == src.resolve():
        raise ValueError(f"refusing to overwrite the input {src}")
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.suffix.lower() in _video_extensions():
        from .video import colorize_video

        with tqdm(unit="frame", desc=src.name, leave=False) as bar:
            def progress(done: int, total: int | None, eta: float | None) -> None:
                bar.total, bar.n = total, done
                bar.refresh()

            result = colorize_video(src, dst, colorizer, args.render_factor, stabilization=args.stabilization,
                                    keyframe_interval=args.keyframe_interval, progress=progress,
                                    allow_truncated=args.allow_truncated)
        for note in result.notes:
            tqdm.write(f"note: {src}: {note}", file=sys.stderr)
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
    p.add_argument("--precision", choices=PRECISION_CHOICES, default=None,
                   help="default: fp16 on CUDA, bf16 on CPUs that support it, else fp32")
    p.add_argument("--no-post-process", action="store_true", help="keep the model's own luminance")
    p.add_argument("--stabilization", type=float, default=0.5, help="video flicker reduction, 0 (off) to 1")
    p.add_argument("--keyframe-interval", type=int, default=None, metavar="N",
                   help="videos: the model colours every N-th frame, the others borrow its colour along the "
                        "motion; 1 = every frame (default: 2 on a CPU, 1 on a GPU)")
    p.add_argument("--allow-truncated", action="store_true",
                   help="videos that end early (a cut-off download): colour the frames that can be read "
                        "instead of failing")
    return p


def check_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Exit with a usage error (status 2) for an option out of range, before any model is loaded."""
    import torch

    from .colorizer import validate_render_factor
    from .weights.loader import check_source

    try:
        if args.render_factor is not None:
            validate_render_factor(args.render_factor)
        check_source(args.model)
        if args.device is not None:
            torch.device(args.device)
    except (ValueError, RuntimeError) as e:
        parser.error(str(e))
    if not 0 <= args.stabilization <= 1:
        parser.error(f"--stabilization {args.stabilization} must be from 0 (off) to 1")
    if args.keyframe_interval is not None and args.keyframe_interval < 1:
        parser.error(f"--keyframe-interval {args.keyframe_interval} must be 1 (every frame) or more")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    check_options(parser, args)
    try:
        files = list(find_inputs(args.inputs, args.output))
    except (ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not files:
        extensions = " ".join(sorted(IMAGE_EXTENSIONS | _video_extensions()))
        print(f"error: no images or videos in {', '.join(map(str, args.inputs))} (looked for {extensions})",
              file=sys.stderr)
        return 2
    from .colorizer import load_colorizer

    try:
        colorizer, note = load_colorizer(args.model, args.device, args.precision)
    except (NoganError, ValueError) as e:  # weights that cannot be had or do not fit
        print(f"error: {e}", file=sys.stderr)
        return 2
    if note:
        print(f"note: {note}", file=sys.stderr)
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
