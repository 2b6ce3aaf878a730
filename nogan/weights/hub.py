"""Fetching files from the Hugging Face Hub, or from a local folder, with clear offline errors.

Local first: `$NOGAN_WEIGHTS_DIR/<filename>` if it exists, then the huggingface_hub cache
(`HF_HOME`), then a download unless `HF_HUB_OFFLINE=1`. An unreachable Hub is detected with a
short connection probe, so a machine without network gets an error within seconds.
"""
from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from ..errors import WeightsUnavailableError

WEIGHTS_DIR_ENV = "NOGAN_WEIGHTS_DIR"
PROBE_TIMEOUT_S = 3.0


def _hub_reachable() -> bool:
    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


def fetch(repo_id: str, filename: str, revision: str | None = None) -> Path:
    """Path of `filename` from `repo_id`: local folder, cache, or download (in that order)."""
    local_dir = os.environ.get(WEIGHTS_DIR_ENV)
    if local_dir and (Path(local_dir) / filename).is_file():
        return Path(local_dir) / filename
    from huggingface_hub import constants, hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        return Path(hf_hub_download(repo_id, filename, revision=revision, local_files_only=True))
    except LocalEntryNotFoundError:
        pass
    where = f"https://huggingface.co/{repo_id}" + (f" (revision {revision[:12]})" if revision else "")
    how = (f"download it there by hand and put it in a folder named by ${WEIGHTS_DIR_ENV}, "
           "or pass its local path instead of the model name")
    if constants.HF_HUB_OFFLINE:
        raise WeightsUnavailableError(f"{filename} is not cached and HF_HUB_OFFLINE is set; it comes from "
                                      f"{where}: {how}")
    if not _hub_reachable():
        raise WeightsUnavailableError(f"{filename} is not cached and the Hugging Face Hub cannot be reached; "
                                      f"it comes from {where}: {how}")
    try:
        return Path(hf_hub_download(repo_id, filename, revision=revision))
    except (HfHubHTTPError, OSError) as e:
        raise WeightsUnavailableError(f"could not download {filename} from {where} ({e}); {how}") from e


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, sha256: str, size: int | None = None) -> None:
    """Refuse a file whose size or sha256 differs from the published one (before unpickling it)."""
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        raise WeightsUnavailableError(f"{path} has {actual_size:,} bytes, expected {size:,}: "
                                      "a partial or different file; delete it and fetch it again")
    actual = sha256_of(path)
    if actual != sha256:
        raise WeightsUnavailableError(f"{path} has sha256 {actual}, expected {sha256}: "
                                      "a corrupt or different file; delete it and fetch it again")
