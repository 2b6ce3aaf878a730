"""A CSV log of training metrics, one row per logged step, that survives resuming."""
from __future__ import annotations

import csv
from pathlib import Path


class CsvLog:
    """Append rows {'step': int, name: float, ...} to `path` with a fixed header.

    On resume (`resume_step` given) rows after that step are dropped, since the run repeats them.
    """

    def __init__(self, path: Path, fields: list[str], resume_step: int | None = None):
        self.path, self.fields = path, ["step", *fields]
        path.parent.mkdir(parents=True, exist_ok=True)
        kept = []
        if resume_step is not None and path.exists():
            with path.open(newline="") as f:
                kept = [r for r in csv.DictReader(f) if int(r["step"]) <= resume_step]
        with path.open("w", newline="") as f:
            writer = csv.DictWriter(f, self.fields)
            writer.writeheader()
            writer.writerows(kept)

    def write(self, step: int, values: dict[str, float]) -> None:
        with self.path.open("a", newline="") as f:
            csv.DictWriter(f, self.fields).writerow({"step": step, **values})


def read_log(path: str | Path) -> list[dict[str, float]]:
    """The rows of a CsvLog as floats (empty cells, e.g. a mode's unused loss, are skipped)."""
    with Path(path).open(newline="") as f:
        return [{k: float(v) for k, v in row.items() if v != ""} for row in csv.DictReader(f)]
