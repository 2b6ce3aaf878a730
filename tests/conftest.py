"""Shared fixtures: the compatibility reference and a tiny, seeded model in our own format."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from nogan import Colorizer, GeneratorConfig, UnetGenerator, save_pretrained

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "tests" / "reference"  # the original implementation's recorded outputs
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
TINY_CONFIG = GeneratorConfig(encoder="efficientnet_lite0", decoder="wide", nf_factor=0.0625)


def make_tiny_model(folder: Path, seed: int = 0) -> Path:
    """A randomly initialised generator small enough for fast tests, saved in our format.

    The head's bias is set to a warm tint so that its output is visibly coloured.
    """
    torch.manual_seed(seed)
    model = UnetGenerator(TINY_CONFIG).eval()
    with torch.no_grad():
        model.head.bias.copy_(torch.tensor([0.8, 0.0, -0.8]))
    return save_pretrained(model, folder, name="tiny", photo_render_factor=8, video_render_factor=6,
                           dtype=torch.float32)


@pytest.fixture(scope="session", autouse=True)
def temp_folder(tmp_path_factory) -> Iterator[Path]:
    """What the code under test puts in "the" temp folder (Gradio's caches, the app's results,
    ffmpeg, Chromium) goes to this run's own folder, which pytest removes after a passing run."""
    folder = tmp_path_factory.mktemp("tmp")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(folder))  # child processes: app.py, ffmpeg, Chromium
        patch.setenv("GRADIO_TEMP_DIR", str(folder / "gradio"))
        patch.setattr(tempfile, "tempdir", str(folder))
        yield folder


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return REFERENCE


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("tiny_model"))


@pytest.fixture(scope="session")
def tiny_colorizer(tiny_model_dir) -> Colorizer:
    return Colorizer.from_pretrained(tiny_model_dir, device="cpu", precision="fp32").load()


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, which scripts/test.sh installs: missing under CI is a failure, not a skip."""
    if not CHROMIUM.is_file():
        message = f"Chromium is not at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM
