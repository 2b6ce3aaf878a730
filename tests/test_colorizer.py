"""The Colorizer as a user meets it: sizes, colour, validation, precision, errors, laziness."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from nogan import Colorizer, OutOfMemoryError
from nogan.device import resolve_device, resolve_precision
from nogan.models import winograd
from nogan.models.winograd import WinogradConv2d


def _grey_photo(size=(90, 60)) -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0]), dtype=np.uint8))


def _chroma(image) -> float:
    """Mean distance of each pixel from grey; 0 for a black-and-white picture."""
    a = np.asarray(image.convert("RGB") if isinstance(image, Image.Image) else image, dtype=float)
    return float(np.abs(a - a.mean(axis=2, keepdims=True)).mean())


def test_output_has_input_size_and_colour(tiny_colorizer):
    photo = _grey_photo()
    result = tiny_colorizer.colorize(photo)
    assert result.size == photo.size and result.mode == "RGB"
    assert _chroma(photo) == 0 and _chroma(result) > 5


def test_post_processing_keeps_the_original_luminance(tiny_colorizer):
    import cv2

    # mid-range tones, so that the tinted result stays inside the RGB gamut
    photo = Image.fromarray(np.tile(np.linspace(70, 180, 90).astype(np.uint8), (60, 1)))
    result = tiny_colorizer.colorize(photo, render_factor=6)
    luma = cv2.cvtColor(np.asarray(result), cv2.COLOR_RGB2YUV)[:, :, 0].astype(int)
    diff = np.abs(luma - np.asarray(photo, dtype=int))
    assert diff.max() <= 2


def test_alpha_channel_survives(tiny_colorizer):
    photo = _grey_photo().convert("LA")
    photo.putalpha(Image.new("L", photo.size, 200))
    result = tiny_colorizer.colorize(photo)
    assert result.mode == "RGBA" and result.getchannel("A").getextrema() == (200, 200)


def test_batch_of_frames(tiny_colorizer):
    frames = [np.stack([np.asarray(_grey_photo((64, 48)))] * 3, axis=-1) for _ in range(3)]
    results = tiny_colorizer.colorize_batch(frames, render_factor=4)
    assert len(results) == 3 and all(r.shape == (48, 64, 3) and r.dtype == np.uint8 for r in results)
    assert tiny_colorizer.colorize_batch([]) == []


@pytest.mark.parametrize("bad", [0, 101, 3.5, True, "35", None.__class__])
def test_render_factor_is_validated(tiny_colorizer, bad):
    with pytest.raises(ValueError, match=r"render_factor=.* must be an integer from 1 to 100"):
        tiny_colorizer.colorize(_grey_photo(), render_factor=bad)


def test_loading_is_lazy_and_shared(tiny_model_dir):
    a = Colorizer.from_pretrained(tiny_model_dir, device="cpu", precision="fp32")
    b = Colorizer.from_pretrained(tiny_model_dir, device="cpu", precision="fp32")
    assert not a.is_loaded
    a.colorize(_grey_photo(), render_factor=4)
    assert a.is_loaded and b.load()._model is a._model


def test_bf16_is_close_to_fp32(tiny_model_dir):
    photo = _grey_photo((128, 96))
    fp32 = Colorizer.from_pretrained(tiny_model_dir, device="cpu", precision="fp32").colorize(photo)
    bf16 = Colorizer.from_pretrained(tiny_model_dir, device="cpu", precision="bf16").colorize(photo)
    diff = np.abs(np.asarray(fp32, dtype=int) - np.asarray(bf16, dtype=int))
    assert diff.mean() < 1.5


def test_fp32_on_a_cpu_convolves_by_winograd_with_the_same_result(tiny_model_dir, monkeypatch):
    photo = _grey_photo((128, 96))
    colorizer = Colorizer.from_pretrained(tiny_model_dir, device="cpu", precision="fp32").load()
    assert any(isinstance(m, WinogradConv2d) for m in colorizer._model.modules())
    fast = np.asarray(colorizer.colorize(photo, 16), dtype=int)
    monkeypatch.setattr(winograd, "MIN_PIXELS", 10**9)  # every convolution direct
    direct = np.asarray(colorizer.colorize(photo, 16), dtype=int)
    assert np.abs(fast - direct).max() <= 1 and np.abs(fast - direct).mean() < 0.01
    bf16 = Colorizer.from_pretrained(tiny_model_dir, device="cpu", precision="bf16").load()
    assert not any(isinstance(m, WinogradConv2d) for m in bf16._model.modules())


def test_out_of_memory_suggests_a_lower_render_factor(tiny_model_dir, monkeypatch):
    colorizer = Colorizer.from_pretrained(tiny_model_dir, device="cpu", precision="fp32").load()
    photo = _grey_photo()

    def exhausted(x):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 1 TB")

    monkeypatch.setattr(colorizer, "_model", exhausted)
    with pytest.raises(OutOfMemoryError, match="render_factor=30; try a lower render factor such as 20"):
        colorizer.colorize(photo, render_factor=30)


def test_device_and_precision_choice(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device(None).type == "cpu"
    assert resolve_precision(None, torch.device("cuda")) == "fp16"
    assert resolve_precision("fp32", torch.device("cpu")) == "fp32"
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)
    assert resolve_precision(None, torch.device("cpu")) == "fp32"
    with pytest.raises(ValueError, match="precision='fp8'"):
        resolve_precision("fp8", torch.device("cpu"))
