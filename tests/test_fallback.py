"""Offline fallback: when a Hub model cannot be had, the bundled model is used, with a note."""
from __future__ import annotations

import pytest

from nogan import WeightsUnavailableError, available_models, load_colorizer
from nogan.cli import main
from nogan.weights import loader


@pytest.fixture
def offline_with_bundled(monkeypatch, tmp_path, tiny_model_dir):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf_cache"))
    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.delenv("NOGAN_WEIGHTS_DIR", raising=False)
    monkeypatch.setitem(loader.BUNDLED, "lite", tiny_model_dir)


def test_library_falls_back_with_a_note(offline_with_bundled):
    assert "lite" in available_models()
    colorizer, note = load_colorizer("stable", device="cpu", precision="fp32")
    assert colorizer.info.name == "tiny"
    assert "'stable' is unavailable" in note and "bundled offline model 'lite'" in note


def test_no_fallback_when_asked_for_none(offline_with_bundled):
    with pytest.raises(WeightsUnavailableError):
        load_colorizer("stable", fallback=None)


def test_cli_says_it_fell_back(offline_with_bundled, tmp_path, capsys):
    from PIL import Image

    Image.new("L", (40, 30), 128).save(tmp_path / "p.png")
    assert main([str(tmp_path / "p.png"), "-o", str(tmp_path / "out"), "-m", "artistic", "-r", "4"]) == 0
    assert "note: 'artistic' is unavailable" in capsys.readouterr().err
    assert (tmp_path / "out" / "p_colorized.png").is_file()
