"""`python -m nogan`: restore and colour photos, videos and whole folders from the command line.

Exit status: 0 when every file was done, 1 when any failed (each failure is reported and
skipped), 2 for a usage error. Options are checked before any model is loaded; the heavy modules
(PyTorch, Ray) are imported only once there is work to do, so that `--help` is instant. Both
backends do each file with the same `nogan.job` functions, so they give the same files.
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
    from .cluster import ClusterOptions
    from .job import Job, Models

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
MODEL_ENV = "NOGAN_MODEL"
BACKEND_ENV = "NOGAN_BACKEND"
BACKENDS = ("local", "ray")
UPSCALES = (1, 2, 4)  # nogan.restore.restorer.UPSCALES, named here without importing torch
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
    p.add_argument("--backend", default=os.environ.get(BACKEND_ENV, "local"), metavar="{local,ray}",
                   help=f"local (this process) or ray (a Ray cluster: $RAY_ADDRESS, else a local Ray) "
                        f"(default: ${BACKEND_ENV} or local)")
    _add_restoration(p)
    _add_hints(p)
    _add_ray(p)
    return p


def _add_restoration(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("restoration")
    g.add_argument("--restore", action="store_true",
                   help="restore before colouring: photos lose scratches, dust, grain, fading and softness; "
                        "films lose dust, line scratches, flicker and grain")
    g.add_argument("--no-colorize", dest="colorize", action="store_false",
                   help="with --restore: restoration alone, into <name>_restored.png/.mp4 (grey stays grey)")
    g.add_argument("--upscale", type=int, choices=UPSCALES, default=None,
                   help="photos: enlarge 2 or 4 times by super-resolution, with or without --restore "
                        "(default 1); films keep their size")
    g.add_argument("--restore-model", default=None, metavar="NAME",
                   help="photos: damage model name, folder or Hub repo (default: restore)")
    g.add_argument("--no-repair", dest="repair", action="store_const", const=False,
                   help="photos: leave scratches, dust and cracks")
    g.add_argument("--denoise", type=_denoise, default=None, metavar="auto|off|STRENGTH",
                   help="photos: grain removal at the level found (auto, the default), off, or that level "
                        "times STRENGTH (0-4)")
    g.add_argument("--no-contrast", dest="contrast", action="store_const", const=False,
                   help="photos: leave faded contrast and colour casts")
    g.add_argument("--no-sharpen", dest="sharpen", action="store_const", const=False,
                   help="photos: no sharpening")
    g.add_argument("--no-dust", dest="dust", action="store_const", const=False,
                   help="films: leave dust and dirt on single frames")
    g.add_argument("--no-scratches", dest="scratches", action="store_const", const=False,
                   help="films: leave vertical line scratches")
    g.add_argument("--no-flicker", dest="flicker", action="store_const", const=False,
                   help="films: leave brightness flicker")
    g.add_argument("--grain", type=float, default=None, metavar="STRENGTH",
                   help="films: temporal grain reduction, 0 (off) to 1 (default 0.6)")
    g.add_argument("--frame-repair", action="store_const", const=True, default=None,
                   help="films: also repair each frame as a photo (damage that stays in place; slower)")


def _add_hints(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("colour hints")
    g.add_argument("--hints", type=Path, default=None, metavar="FILE",
                   help="one photo or film only: an RGBA picture of its size whose opaque pixels give wanted "
                        "colours (transparent elsewhere)")
    g.add_argument("--hints-frame", type=int, default=None, metavar="N",
                   help="films: the frame (from 0) the hints were drawn on (default 0); they carry along its shot")
    g.add_argument("--reference", type=Path, default=None, metavar="FILE",
                   help="photos: a colour photo whose palette the results take after colouring")


def _add_ray(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("Ray backend (--backend ray)")
    g.add_argument("--actors-per-node", type=int, default=1, metavar="N", help="photo actors per node (default 1)")
    g.add_argument("--cpus-per-actor", type=float, default=1.0, metavar="CPUS",
                   help="CPUs per actor or film chunk (default 1)")
    g.add_argument("--gpus-per-actor", type=float, default=0.0, metavar="GPUS",
                   help="GPUs per actor or film chunk; fractions share a GPU (default 0)")
    g.add_argument("--batch-size", type=int, default=4, metavar="N", help="photos per actor call (default 4)")
    g.add_argument("--chunk-seconds", type=float, nargs=2, default=(30.0, 120.0), metavar=("MIN", "MAX"),
                   help="film chunk length; chunks end at scene cuts (default 30 120)")
    g.add_argument("--film-workers", type=int, default=None, metavar="N",
                   help="film chunks at once (default: all that fit)")


def _denoise(text: str) -> str | bool | float:
    if text in ("auto", "off"):
        return "auto" if text == "auto" else False
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not auto, off or a strength (a number from 0 to 4)") from None


def _pipeline_options(args: argparse.Namespace) -> dict:
    """`Job.options` from the command line: only what was given, the rest keeps its default."""
    given = {"colorize": args.colorize, "restore": args.restore or None, "restore_model": args.restore_model,
             "repair": args.repair, "denoise": args.denoise, "contrast": args.contrast, "sharpen": args.sharpen,
             "upscale": args.upscale, "dust": args.dust, "scratches": args.scratches, "flicker": args.flicker,
             "grain": args.grain, "frame_repair": args.frame_repair, "hints_frame": args.hints_frame,
             # absolute: Ray workers may run elsewhere than here
             "hints": args.hints and str(args.hints.resolve()),
             "reference": args.reference and str(args.reference.resolve())}
    return {key: value for key, value in given.items() if value is not None}


def check_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Job:
    """The job the options describe; a usage error (status 2) for an option out of range or a
    combination that cannot be done, before any model is loaded."""
    if args.backend not in BACKENDS:  # a $NOGAN_BACKEND default bypasses argparse's choices
        parser.error(f"--backend={args.backend!r} is not one of {', '.join(BACKENDS)}")
    if not 0 <= args.stabilization <= 1:
        parser.error(f"--stabilization {args.stabilization} must be from 0 (off) to 1")
    if args.keyframe_interval is not None and args.keyframe_interval < 1:
        parser.error(f"--keyframe-interval {args.keyframe_interval} must be 1 (every frame) or more")
    import torch

    from .imaging import load_image
    from .job import Job
    from .restore.restorer import check_restorer_source
    from .weights.loader import check_source

    try:
        check_source(args.model)
        if args.restore_model is not None:
            check_restorer_source(args.restore_model)
        if args.device is not None:
            torch.device(args.device)
        if args.reference is not None:
            load_image(args.reference)
        return Job(model=args.model, render_factor=args.render_factor, device=args.device, precision=args.precision,
                   post_process=not args.no_post_process, stabilization=args.stabilization,
                   keyframe_interval=args.keyframe_interval, allow_truncated=args.allow_truncated,
                   options=_pipeline_options(args))
    except (ValueError, RuntimeError, OSError, NoganError) as e:
        parser.error(str(e))


def check_cluster_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> ClusterOptions:
    """The Ray backend's settings; a usage error for one out of range (importing Ray)."""
    from .cluster import ClusterOptions

    try:
        return ClusterOptions(args.actors_per_node, args.cpus_per_actor, args.gpus_per_actor, args.batch_size,
                              tuple(args.chunk_seconds), args.film_workers)
    except ValueError as e:
        parser.error(str(e))


def check_inputs(parser: argparse.ArgumentParser, job: Job, files: list[tuple[Path, Path]]) -> None:
    """Hints belong to one picture: a single input of the hints' size (for a film, its frame size).
    Options for photos alone get a note when films are among the inputs."""
    if any(src.suffix.lower() in _video_extensions() for src, _ in files):
        for note, used in (("--upscale is for photos: films keep their size", job.options["upscale"] > 1),
                           ("--reference is for photos: films keep the model's colours", job.options["reference"])):
            if used:
                print(f"note: {note}", file=sys.stderr)
    hints = job.options["hints"]
    if hints is None:
        return
    if len(files) != 1:
        parser.error(f"--hints are drawn on one photo or film; {len(files)} files were given")
    from .hints import load_hints
    from .imaging import load_image
    from .video import is_video_path, probe

    src = files[0][0]
    if job.options["hints_frame"] and not is_video_path(src):
        parser.error(f"--hints-frame is for films; {src} is a photo")
    try:
        load_hints(hints, probe(src).output_size if is_video_path(src) else load_image(src).size)
    except (ValueError, NoganError) as e:
        parser.error(str(e))


def _process(src: Path, dst: Path, job: Job, models: Models) -> None:
    from .job import process_photo, process_video
    from .video import is_video_path

    if not is_video_path(src):
        process_photo(job, models, src, dst)
        return
    with tqdm(unit="frame", desc=src.name, leave=False) as bar:
        def progress(done: int, total: int | None, eta: float | None) -> None:
            bar.total, bar.n = total, done
            bar.refresh()

        result = process_video(job, models, src, dst, progress=progress)
    for note in result.notes:
        tqdm.write(f"note: {src}: {note}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    job = check_options(parser, args)
    cluster = check_cluster_options(parser, args) if args.backend == "ray" else None
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
    check_inputs(parser, job, files)
    if args.backend == "ray":
        from .cluster import run

        try:
            return run(job, files, args.output, cluster)
        except ConnectionError as e:  # $RAY_ADDRESS names no reachable cluster
            print(f"error: {e}", file=sys.stderr)
            return 2
    return run_local(job, files, args.output)


def run_local(job: Job, files: list[tuple[Path, Path]], out_dir: Path) -> int:
    """Do `files`, pairs of (source, path relative to its input folder), one after another in
    this process; returns the exit status (1 when any failed, 2 when the models cannot be had)."""
    from .job import output_path

    try:
        models = job.load_models()
    except (NoganError, ValueError) as e:  # weights that cannot be had or do not fit
        print(f"error: {e}", file=sys.stderr)
        return 2
    if models.note:
        print(f"note: {models.note}", file=sys.stderr)
    colorize = job.options["colorize"]
    failed = 0
    for src, relative in tqdm(files, unit="file", desc=f"{'colorizing' if colorize else 'restoring'} ({models.name})"):
        try:
            _process(src, output_path(relative, out_dir, colorize), job, models)
        except (NoganError, ValueError, OSError) as e:
            failed += 1
            tqdm.write(f"skipped {src}: {e}", file=sys.stderr)
    print(f"{len(files) - failed} of {len(files)} {'coloured' if colorize else 'restored'} into {out_dir}",
          file=sys.stderr)
    return 1 if failed else 0
