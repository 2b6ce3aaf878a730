"""The run's manifest: one CSV row per input file, written at the end."""
from __future__ import annotations

import csv
import os
import secrets
from dataclasses import astuple, dataclass, fields
from pathlib import Path

MANIFEST_NAME = "manifest.csv"
DONE, SKIPPED, ERROR = "done", "skipped", "error"  # skipped: its output was there from an earlier run


@dataclass(frozen=True)
class ManifestRow:
    """What happened to one input file: `seconds` of work on it, `error` empty unless status is error."""

    path: str
    status: str
    error: str
    seconds: float
    model: str


def write_manifest(rows: list[ManifestRow], path: Path) -> Path:
    """Write `rows` as CSV with a header (path, status, error, seconds, model), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow([f.name for f in fields(ManifestRow)])
            writer.writerows(astuple(row) for row in sorted(rows, key=lambda r: r.path))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read_manifest(path: Path) -> list[ManifestRow]:
    with open(path, newline="", encoding="utf-8") as f:
        return [ManifestRow(r["path"], r["status"], r["error"], float(r["seconds"]), r["model"])
                for r in csv.DictReader(f)]
