"""`push`: upload an exported model folder to a Hugging Face Hub model repository."""
from __future__ import annotations

import re
from pathlib import Path

from huggingface_hub import HfApi

from nogan.weights.pretrained import CONFIG_NAME, WEIGHTS_NAME, read_config

from .config import PushConfig

REQUIRED_FILES = (WEIGHTS_NAME, CONFIG_NAME, "README.md")
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


def validate(folder: str, repo_id: str) -> Path:
    """Check the folder is a complete export and the repo id is 'owner/name'; returns the folder."""
    if not REPO_ID.match(repo_id) or ".." in repo_id or repo_id.endswith((".git", "-", ".")):
        raise ValueError(f"repo_id={repo_id!r} must be 'owner/name' (letters, digits, '-', '_', '.')")
    path = Path(folder)
    if not path.is_dir():
        raise ValueError(f"folder={folder!r} does not exist; create it with `python -m training export`")
    missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
    if missing:
        raise ValueError(f"folder={folder!r} lacks {', '.join(missing)}; re-run `python -m training export`")
    read_config(path)  # raises if config.json is not a nogan model config
    return path


def run(cfg: PushConfig) -> str:
    """Create the repo if needed and upload the folder; returns the commit URL."""
    path = validate(cfg.folder, cfg.repo_id)
    api = HfApi()
    api.create_repo(cfg.repo_id, repo_type="model", private=cfg.private, exist_ok=True)
    commit = api.upload_folder(folder_path=str(path), repo_id=cfg.repo_id, repo_type="model",
                               commit_message=cfg.message)
    return str(commit)
