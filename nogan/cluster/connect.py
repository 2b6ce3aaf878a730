"""Joining a Ray cluster, or starting a local one."""
from __future__ import annotations

import os
from pathlib import Path

import ray

import nogan

ADDRESS_ENV = "RAY_ADDRESS"


def connect(address: str | None = None, *, num_cpus: int | None = None,
            object_store_memory: int | None = None) -> bool:
    """Join the cluster at `address` (default: `$RAY_ADDRESS`, which `ray job submit` sets), or
    start a local Ray instance when there is none. Returns False when Ray was already connected.

    `num_cpus` and `object_store_memory` (bytes) size a local instance only. Workers import
    `nogan` from this process's copy unless the cluster's image installs it.
    """
    if ray.is_initialized():
        return False
    address = address or os.environ.get(ADDRESS_ENV) or None
    local = {} if address else {"num_cpus": num_cpus, "object_store_memory": object_store_memory,
                                "include_dashboard": False}
    ray.init(address=address, runtime_env=_runtime_env(), log_to_driver=False, **local)
    return True


def _runtime_env() -> dict:
    """Ship this `nogan` to the workers when it is a source checkout rather than an installed package."""
    package = Path(nogan.__file__).resolve().parent
    if "site-packages" in package.parts or "dist-packages" in package.parts:
        return {}
    return {"py_modules": [str(package)]}
