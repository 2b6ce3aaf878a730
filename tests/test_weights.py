"""Where weights come from: the registry, local files, our own format, and offline errors."""
from __future__ import annotations

import hashlib
import time
from collections import OrderedDict

import pytest
import torch

from nogan import (Colorizer, GeneratorConfig, UnetGenerator, WeightsUnavailableError, available_models,
                   load_model, save_pretrained)
from nogan.models import apply_spectral_norm
from nogan.weights import registry
from nogan.weights.loader import read_checkpoint


@pytest.fixture
def offline_hub(monkeypatch, tmp_path):
    """An empty Hugging Face cache and a Hub endpoint that refuses connections at once."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf_cache"))
    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.delenv("NOGAN_WEIGHTS_DIR", raising=False)


def test_registry_lists_the_published_checkpoints():
    assert {"artistic", "stable", "video"} <= set(available_models())
    spec = registry.MODELS["stable"]
    assert (spec.repo_id, spec.revision) == ("spensercai/DeOldify", "448956a51080c3e5fb29a4e0f3e09457afd94eb0")
    assert spec.sha256 == "ca9cd7f43fb8b222c9a70f7b292e305a000694b0ff9d2ae4a6747b1a2e1ee5af"


def test_offline_without_cache_fails_fast_with_instructions(offline_hub):
    start = time.monotonic()
    with pytest.raises(WeightsUnavailableError) as err:
        load_model("artistic")
    assert time.monotonic() - start < 10
    message = str(err.value)
    assert "ColorizeArtistic_gen.pth" in message and "spensercai/DeOldify" in message
    assert "NOGAN_WEIGHTS_DIR" in message


def test_hf_hub_offline_is_respected(offline_hub, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(WeightsUnavailableError, match="HF_HUB_OFFLINE"):
        load_model("video")


def test_published_name_loads_local_file_only_after_sha256_check(monkeypatch, tmp_path, offline_hub):
    spec = registry.MODELS["artistic"]
    (tmp_path / spec.filename).write_bytes(b"not the published file")
    monkeypatch.setenv("NOGAN_WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(WeightsUnavailableError, match="bytes, expected"):
        load_model("artistic")


def test_published_name_loads_a_verified_file(monkeypatch, tmp_path, offline_hub):
    """The registry path end to end: local folder, size and sha256 check, original layout."""
    from nogan.weights.deoldify import KEY_TABLE

    torch.manual_seed(0)
    config = GeneratorConfig("resnet34", "deep", 0.25)
    model = UnetGenerator(config).eval()
    inverse = [(dst, src) for src, dst in KEY_TABLE]
    original = OrderedDict()
    for key, value in model.state_dict().items():
        dst, src = max(((d, s) for d, s in inverse if key.startswith(d)), key=lambda p: len(p[0]))
        original[src + key[len(dst):]] = value
    path = tmp_path / "ColorizeArtistic_gen.pth"
    torch.save(original, path, pickle_protocol=2)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    fake = registry.HubCheckpoint("artistic", path.name, path.stat().st_size, digest, config, 35, 35, "test")
    monkeypatch.setitem(registry.MODELS, "artistic", fake)
    monkeypatch.setenv("NOGAN_WEIGHTS_DIR", str(tmp_path))
    loaded, info = load_model("artistic")
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(loaded(x), model(x), atol=1e-5)
    assert info.name == "artistic"


def test_pickled_slice_is_allowed_but_nothing_else(tmp_path):
    state = OrderedDict(w=torch.ones(2))
    state._metadata = OrderedDict(w=dict(version=1, span=slice(0, 2)))  # protocol 2 writes __builtin__.slice
    path = tmp_path / "with_slice.pth"
    torch.save(state, path, pickle_protocol=2)
    assert torch.equal(read_checkpoint(path)["w"], torch.ones(2))

    import pickle

    class Evil:
        def __reduce__(self):
            return (print, ("executed",))

    bad = tmp_path / "evil.pth"
    torch.save({"w": torch.ones(1), "x": Evil()}, bad, _use_new_zipfile_serialization=True)
    with pytest.raises(pickle.UnpicklingError):
        read_checkpoint(bad)


def test_own_format_round_trip_folds_spectral_norm(tmp_path):
    torch.manual_seed(0)
    model = UnetGenerator(GeneratorConfig("efficientnet_lite0", "wide", 0.125))
    apply_spectral_norm(model.decoder)
    model.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = model(x)
    folder = save_pretrained(model, tmp_path / "mine", name="mine", photo_render_factor=30, dtype=torch.float32)
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]
    loaded, info = load_model(folder)
    with torch.no_grad():
        assert torch.allclose(loaded(x), expected, atol=1e-5)
    assert (info.name, info.photo_render_factor, info.video_render_factor) == ("mine", 30, 21)
    assert any("parametrizations" in k for k in model.state_dict()), "the original model is left as it was"


def test_own_format_from_a_hub_repo_id(tiny_model_dir, monkeypatch, tmp_path, offline_hub):
    monkeypatch.setenv("NOGAN_WEIGHTS_DIR", str(tiny_model_dir))
    colorizer = Colorizer.from_pretrained("someone/their-model", device="cpu", precision="fp32")
    assert colorizer.info.name == "tiny"


def test_unknown_model_lists_the_available_names():
    with pytest.raises(ValueError, match=r"model='nonexistent\.pth'.*artistic, stable, video"):
        Colorizer.from_pretrained("nonexistent.pth")
