"""`python -m training <subcommand> [--option value ...]`.

Every field of the subcommand's config dataclass (training/config.py) is an option: `--nf-factor
0.5`, booleans as `--self-attention` / `--no-self-attention`, tuples as several values
(`--layer-weights 20 70 10`), optional numbers accept `none`. With `--resume CKPT` the config
stored in the checkpoint is the starting point and only the options given override it.
"""
from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Callable

from nogan.errors import NoganError

from . import (average, cycle, evaluate, export, gan, pretrain_critic, pretrain_gen, push,
               save_gen_images, sweep)
from .checkpoint import load_checkpoint
from .config import (AverageConfig, CycleConfig, DamageConfig, DamageEvaluateConfig, DamageExportConfig,
                     EvaluateConfig, ExportConfig, FillConfig, FillEvaluateConfig, FillExportConfig, GanConfig,
                     PretrainCriticConfig, PretrainGenConfig, PushConfig, SaveGenImagesConfig, SweepConfig)
from .damage import evaluate as damage_evaluate
from .damage import export as damage_export
from .damage import train as damage_train
from .fill import evaluate as fill_evaluate
from .fill import export as fill_export
from .fill import train as fill_train

COMMANDS: dict[str, tuple[type, Callable]] = {
    "pretrain-gen": (PretrainGenConfig, pretrain_gen.run),
    "save-gen-images": (SaveGenImagesConfig, save_gen_images.run),
    "pretrain-critic": (PretrainCriticConfig, pretrain_critic.run),
    "gan": (GanConfig, gan.run),
    "cycle": (CycleConfig, cycle.run),
    "sweep": (SweepConfig, sweep.run),
    "average": (AverageConfig, average.run),
    "evaluate": (EvaluateConfig, evaluate.run),
    "export": (ExportConfig, export.run),
    "push": (PushConfig, push.run),
    "train-damage": (DamageConfig, damage_train.run),
    "evaluate-damage": (DamageEvaluateConfig, damage_evaluate.run),
    "export-damage": (DamageExportConfig, damage_export.run),
    "train-fill": (FillConfig, fill_train.run),
    "evaluate-fill": (FillEvaluateConfig, fill_evaluate.run),
    "export-fill": (FillExportConfig, fill_export.run),
}


def _field_comments(cls: type) -> dict[str, str]:
    """`name: type = default  # comment` lines of the dataclass and its bases, as help texts."""
    comments = {}
    for klass in reversed(cls.__mro__[:-1]):
        for m in re.finditer(r"^\s+(\w+): [^=\n]+=[^#\n]+#\s*(.+)$", inspect.getsource(klass), re.M):
            comments[m.group(1)] = m.group(2)
    return comments


def _optional_float(text: str) -> float | None:
    return None if text.lower() == "none" else float(text)


def _add_options(parser: argparse.ArgumentParser, cls: type) -> None:
    hints, comments = typing.get_type_hints(cls), _field_comments(cls)
    for f in dataclasses.fields(cls):
        hint, flag = hints[f.name], "--" + f.name.replace("_", "-")
        help_text = f"{comments.get(f.name, '')} (default: {f.default})".strip()
        # defaults are suppressed so that the namespace holds exactly the options given
        kwargs: dict = dict(default=argparse.SUPPRESS, help=help_text)
        if hint is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(hint) is tuple:
            item, *rest = typing.get_args(hint)
            kwargs.update(type=item, nargs="+" if rest == [Ellipsis] else len(rest) + 1)
        elif typing.get_origin(hint) in (typing.Union, types.UnionType):
            kwargs.update(type=_optional_float, metavar="FLOAT|none")
        else:
            kwargs["type"] = hint
        parser.add_argument(flag, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__.split("\n")[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, (cls, _) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=cls.__doc__, description=cls.__doc__)
        _add_options(sub, cls)
    return parser


def config_from_dict(cls: type, values: dict):
    """A `cls` config from a dict such as a checkpoint's `config` (lists become tuples)."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(values) - names
    if unknown:
        raise ValueError(f"unknown {cls.__name__} options: {sorted(unknown)}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def parse(argv: list[str] | None = None) -> tuple[str, object]:
    """(subcommand, its config) from command-line arguments."""
    args = vars(build_parser().parse_args(argv))
    name = args.pop("command")
    cls = COMMANDS[name][0]
    given = {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}
    if given.get("resume"):
        stored = load_checkpoint(given["resume"])["config"]
        return name, dataclasses.replace(config_from_dict(cls, stored), **given)
    return name, cls(**given)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit status. User errors (bad options, missing files or
    weights) print one line and return 2."""
    try:
        name, cfg = parse(argv)
        result = COMMANDS[name][1](cfg)
    except (ValueError, NoganError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if isinstance(result, dict) else result)
    return 0
