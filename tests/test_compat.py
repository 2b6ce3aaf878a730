"""Compatibility with the published DeOldify generators, proven against tests/reference/."""
from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest
import torch
from PIL import Image

from nogan import Colorizer, WeightsMismatchError, load_model
from nogan.models import winograd
from nogan.weights.deoldify import convert_state_dict, infer_config
from nogan.weights.loader import read_checkpoint
from nogan.weights.synthetic import save_synthetic_checkpoint

MODELS = ["artistic", "stable"]


@pytest.fixture(scope="module", params=MODELS)
def original_checkpoint(request, reference_dir, tmp_path_factory):
    """Synthetic weights in the original key layout: the ones the reference outputs were recorded with."""
    name = request.param
    path = tmp_path_factory.mktemp(name) / f"{name}_synthetic.pth"
    save_synthetic_checkpoint(reference_dir / f"{name}_keys.tsv", path)
    return name, path


@pytest.fixture(scope="module")
def original_model(original_checkpoint):
    name, path = original_checkpoint
    return name, load_model(path)[0]


def _raw_outputs(model, reference_dir, size):
    x = torch.from_numpy(np.load(reference_dir / f"input_{size}.npy"))
    with torch.no_grad():
        return model(x).numpy()


@pytest.mark.parametrize("size", [64, 80])
def test_raw_outputs_match_original(original_model, reference_dir, size):
    name, model = original_model
    expected = np.load(reference_dir / f"{name}_output_{size}.npy")
    assert np.abs(_raw_outputs(model, reference_dir, size) - expected).max() < 1e-4


@pytest.mark.parametrize("size", [64, 80])
def test_winograd_convolutions_keep_the_contract(original_model, reference_dir, size, monkeypatch):
    """The fp32 CPU path computes 3x3 convolutions by Winograd; here every one of them, however small."""
    monkeypatch.setattr(winograd, "MIN_PIXELS", 0)
    name, model = original_model
    fast = winograd.use_winograd(copy.deepcopy(model))
    assert any(isinstance(m, winograd.WinogradConv2d) for m in fast.modules())
    expected = np.load(reference_dir / f"{name}_output_{size}.npy")
    assert np.abs(_raw_outputs(fast, reference_dir, size) - expected).max() < 1e-4


def test_architecture_inferred_from_shapes(original_checkpoint):
    name, path = original_checkpoint
    config = infer_config(read_checkpoint(path))
    expected = {"artistic": ("resnet34", "deep", 1.5), "stable": ("resnet101", "wide", 2.0)}[name]
    assert (config.encoder, config.decoder, config.nf_factor, config.self_attention) == (*expected, True)


@pytest.mark.parametrize("post_process,suffix", [(True, ""), (False, "_raw")])
def test_photo_pipeline_matches_original(original_checkpoint, reference_dir, post_process, suffix):
    name, path = original_checkpoint
    colorizer = Colorizer.from_pretrained(path, device="cpu", precision="fp32")
    result = colorizer.colorize(reference_dir / "input_photo.png", render_factor=5, post_process=post_process)
    expected = np.asarray(Image.open(reference_dir / f"{name}_photo_rf5{suffix}.png").convert("RGB"), dtype=int)
    diff = np.abs(np.asarray(result, dtype=int) - expected)
    assert result.size == (150, 100)
    assert diff.max() <= 2 and diff.mean() <= 0.1


def test_pre_1_0_spectral_norm_layout_gives_same_outputs(original_checkpoint, reference_dir, tmp_path):
    """PyTorch < 1.0 stored weight_orig, weight_u and the normalised weight, but no weight_v."""
    name, path = original_checkpoint
    state = read_checkpoint(path)
    old = OrderedDict()
    for key, value in state.items():
        prefix, _, leaf = key.rpartition(".")
        if leaf == "weight_v" and f"{prefix}.weight_orig" in state:
            orig = state[f"{prefix}.weight_orig"]
            sigma = torch.dot(state[f"{prefix}.weight_u"], orig.reshape(orig.shape[0], -1) @ value)
            old[f"{prefix}.weight"] = orig / sigma
        else:
            old[key] = value
    old_path = tmp_path / "old_layout.pth"
    torch.save(old, old_path, pickle_protocol=2)
    model, _ = load_model(old_path)
    expected = np.load(reference_dir / f"{name}_output_64.npy")
    assert np.abs(_raw_outputs(model, reference_dir, 64) - expected).max() < 1e-4


def test_mismatched_checkpoint_lists_every_problem(original_checkpoint, tmp_path):
    name, path = original_checkpoint
    state = read_checkpoint(path)
    del state["layers.1.running_mean"]
    state["layers.99.weight"] = torch.zeros(3)
    state["layers.11.0.bias"] = torch.zeros(4)
    bad = tmp_path / "bad.pth"
    torch.save(state, bad)
    with pytest.raises(WeightsMismatchError) as err:
        load_model(bad)
    message = str(err.value)
    assert "1 missing: middle_bn.running_mean" in message
    assert "1 unexpected: layers.99.weight" in message
    assert "1 mis-shaped: head.bias (4,) != (3,)" in message


def test_every_original_key_is_mapped(original_checkpoint):
    """The explicit key table covers the whole manifest: nothing falls through unrenamed."""
    name, path = original_checkpoint
    assert not [k for k in convert_state_dict(read_checkpoint(path)) if k.startswith("layers.")]
