"""Colouring archives on a Ray cluster: the CLI's `--backend ray`.

Photos go through Ray Data (read as bytes, coloured by a pool of actors that each load the model
once); films are cut at scene cuts into chunks coloured in parallel as Ray tasks and joined
without re-encoding. Every file is coloured by the same `nogan.job` functions as on one machine.
Importing this package imports Ray; nothing else in `nogan` does.

    from nogan.cluster import ClusterOptions, run
    from nogan.job import Job
    run(Job(model="artistic"), [(Path("scans/a.jpg"), Path("a.jpg"))], Path("out"), ClusterOptions())
"""
from .connect import connect
from .films import FilmResult, colorize_film
from .manifest import MANIFEST_NAME, ManifestRow, read_manifest, write_manifest
from .options import ClusterOptions
from .photos import PhotoActor, colorize_photos
from .run import run

__all__ = ["MANIFEST_NAME", "ClusterOptions", "FilmResult", "ManifestRow", "PhotoActor", "colorize_film", "colorize_photos",
           "connect", "read_manifest", "run", "write_manifest"]
