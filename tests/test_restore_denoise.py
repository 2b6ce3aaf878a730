"""Denoising: the noise estimate, FFDNet with the published weights, tiling and errors."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from nogan.restore.denoise import Denoiser, estimate_noise, load_ffdnet
from nogan.restore.ffdnet import FFDNet, FFDNetConfig


def smooth_picture(shape=(96, 128), seed=0) -> np.ndarray:
    """Soft shapes over a gradient: a clean 'photo' whose finest detail is nearly noise-free."""
    h, w = shape[:2]
    image = np.tile(np.linspace(60, 180, w, dtype=np.float32), (h, 1))
    cv2.circle(image, (w // 3, h // 2), h // 4, 220, -1)
    cv2.rectangle(image, (w // 2, h // 5), (w - 10, h - 15), 30, -1)
    image = cv2.GaussianBlur(image, (0, 0), 1.5)
    if len(shape) == 3:
        image = np.stack([image, image * 0.8 + 20, 255 - image], axis=2)
    return image.round().astype(np.uint8)


def add_noise(image: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, image.shape)
    return np.clip(image + noise, 0, 255).round().astype(np.uint8)


@pytest.mark.parametrize("sigma", [3, 8, 15, 25])
def test_noise_estimate_tracks_added_noise(sigma):
    estimate = estimate_noise(add_noise(smooth_picture((128, 160)), sigma))
    assert abs(estimate - sigma) < 0.15 * sigma + 0.5
    assert estimate_noise(smooth_picture()) < 1


def test_published_weights_fit_the_architecture():
    net = load_ffdnet()
    assert isinstance(net, FFDNet) and not net.training
    assert set(net.state_dict()) == set(FFDNet(FFDNetConfig()).state_dict())


@pytest.mark.parametrize("shape", [(64, 96), (63, 97, 3)])
def test_denoising_raises_psnr(shape):
    clean = smooth_picture(shape)
    noisy = add_noise(clean, 15)
    out = Denoiser.from_pretrained(device="cpu")(noisy, estimate_noise(noisy if noisy.ndim == 2 else noisy[..., 0]))
    assert out.shape == clean.shape and out.dtype == np.uint8
    assert cv2.PSNR(clean, out) > cv2.PSNR(clean, noisy) + 6


def test_clean_picture_comes_through_nearly_untouched():
    clean = smooth_picture((80, 112))
    out = Denoiser.from_pretrained(device="cpu")(clean, estimate_noise(clean))
    assert cv2.PSNR(clean, out) > 40


def tiny_denoiser(**kwargs) -> Denoiser:
    torch.manual_seed(0)
    return Denoiser(FFDNet(FFDNetConfig.tiny()), device="cpu", precision="fp32", **kwargs)


def test_tiles_match_the_whole_image():
    image = np.random.default_rng(1).integers(0, 256, (70, 90, 3), dtype=np.uint8)
    whole = tiny_denoiser(tile=1024)(image, 10)
    tiled = tiny_denoiser(tile=32, pad=8)(image, 10)  # 3 half-resolution convolutions see 6 px
    assert np.abs(whole.astype(int) - tiled.astype(int)).max() <= 1


def test_sigma_and_image_errors():
    denoiser = tiny_denoiser()
    image = np.zeros((16, 16), np.uint8)
    for sigma in (-1, float("nan"), 300, "5", True):
        with pytest.raises(ValueError, match="sigma"):
            denoiser(image, sigma)
    with pytest.raises(ValueError, match="uint8"):
        denoiser(image.astype(np.uint16), 5)
    with pytest.raises(ValueError, match="gray"):
        estimate_noise(np.zeros((16, 16, 3), np.uint8))
    assert denoiser(image, 0) is not image and np.array_equal(denoiser(image, 0), image)
