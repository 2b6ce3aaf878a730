"""Photos on Ray Data: files read as bytes, coloured by a pool of actors that each load the model once."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import ray

from ..job import Job, process_photo
from .manifest import DONE, ERROR, ManifestRow
from .options import ClusterOptions


class PhotoActor:
    """Does batches of photos with the job's models (colorizer, restorer), loaded once from their
    names or paths.

    Each photo is written to its destination as soon as it is done; a photo that fails is
    reported in its row and the others go on.
    """

    def __init__(self, job: Job, destinations: dict[str, str]):
        self.job, self.destinations = job, destinations
        self.models = job.load_models()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        rows = {"path": [], "status": [], "error": [], "seconds": []}
        for path, data in zip(batch["path"], batch["bytes"]):
            started = time.perf_counter()
            try:
                process_photo(self.job, self.models, bytes(data), Path(self.destinations[path]))
                status, error = DONE, ""
            except Exception as e:  # one bad file of thousands must not stop the run
                status, error = ERROR, f"{type(e).__name__}: {e}"
            for key, value in zip(rows, (path, status, error, time.perf_counter() - started)):
                rows[key].append(value)
        rows["model"] = [self.models.name] * len(rows["path"])
        return rows


def colorize_photos(job: Job, destinations: dict[Path, Path], options: ClusterOptions,
                    on_row: Callable[[ManifestRow], None] | None = None) -> list[ManifestRow]:
    """Colour every photo `src -> dst` of `destinations` on the connected Ray cluster.

    Returns one row per photo (status done or error); `on_row` is called as each one finishes.
    """
    if not destinations:
        return []
    sources = {str(Path(src).resolve()): str(dst) for src, dst in destinations.items()}
    actors = options.actors_per_node * _nodes_with(options.resources)
    # reading bytes needs no CPU of its own: a pool that holds every CPU must not starve the reader
    dataset = ray.data.read_binary_files(list(sources), include_paths=True, num_cpus=0)
    colored = dataset.map_batches(
        PhotoActor, fn_constructor_kwargs={"job": job, "destinations": sources}, batch_size=options.batch_size,
        compute=ray.data.ActorPoolStrategy(size=min(actors, len(sources))), **options.resources)
    rows = []
    for record in colored.iter_rows():
        rows.append(ManifestRow(record["path"], record["status"], record["error"], round(record["seconds"], 3),
                                record["model"]))
        if on_row is not None:
            on_row(rows[-1])
    return rows


def _nodes_with(resources: dict[str, float]) -> int:
    """How many live nodes can hold at least one actor of `resources` (at least 1)."""
    needed = {"CPU": resources["num_cpus"], "GPU": resources["num_gpus"]}
    fits = [node for node in ray.nodes() if node["Alive"] and all(
        node["Resources"].get(name, 0) >= amount for name, amount in needed.items() if amount)]
    return max(1, len(fits))
