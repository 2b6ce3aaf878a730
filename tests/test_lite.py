"""The bundled offline model "lite", as shipped in the package."""
from __future__ import annotations

import numpy as np
from PIL import Image

from nogan import Colorizer, available_models
from nogan.weights.loader import BUNDLED


def test_lite_ships_small_and_is_always_selectable():
    assert "lite" in available_models()
    weights = BUNDLED["lite"] / "model.safetensors"
    assert weights.stat().st_size <= 20_000_000


def test_lite_colours_a_photo(reference_dir):
    photo = Image.open(reference_dir / "input_photo.png").convert("L")
    result = Colorizer.from_pretrained("lite", device="cpu").colorize(photo)
    assert result.size == photo.size
    rgb = np.asarray(result, dtype=float)
    chroma = np.abs(rgb - rgb.mean(axis=2, keepdims=True)).mean()
    assert chroma > 3, "the result should be visibly coloured, not grey"
