"""How a job is spread over a Ray cluster: actors, their resources, batches, film chunks."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClusterOptions:
    """Cluster settings; what to do with each file is the `nogan.job.Job`.

    actors_per_node: photo actors started on each node that has the resources for one.
    cpus_per_actor, gpus_per_actor: what each photo actor and each film-chunk task reserves; with a
        GPU, the model runs there in fp16 unless the job names another precision.
    batch_size: photos handed to an actor at a time.
    chunk_seconds: (shortest, longest) film chunk; chunks end at scene cuts, so a single shot
        longer than the longest stays one chunk (colour must not jump in the middle of a shot).
    film_workers: film chunks coloured at once; None: as many as the cluster's resources allow.
    """

    actors_per_node: int = 1
    cpus_per_actor: float = 1.0
    gpus_per_actor: float = 0.0
    batch_size: int = 4
    chunk_seconds: tuple[float, float] = (30.0, 120.0)
    film_workers: int | None = None

    def __post_init__(self) -> None:
        for name in ("actors_per_node", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r} must be a positive integer")
        if self.cpus_per_actor <= 0 or self.gpus_per_actor < 0:
            raise ValueError(f"cpus_per_actor={self.cpus_per_actor!r} must be positive and "
                             f"gpus_per_actor={self.gpus_per_actor!r} not negative")
        shortest, longest = self.chunk_seconds
        if not 0 < shortest <= longest:
            raise ValueError(f"chunk_seconds={self.chunk_seconds!r} must be (shortest, longest) with "
                             "0 < shortest <= longest")
        if self.film_workers is not None and (not isinstance(self.film_workers, int) or self.film_workers < 1):
            raise ValueError(f"film_workers={self.film_workers!r} must be a positive integer or None")

    @property
    def resources(self) -> dict[str, float]:
        """Ray resource arguments of one actor or chunk task."""
        return {"num_cpus": self.cpus_per_actor, "num_gpus": self.gpus_per_actor}
