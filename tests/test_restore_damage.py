"""Damage detection: the procedural damage generator, DamageNet, tiled detection, the bundled
weights, and the train-damage / evaluate-damage / export-damage subcommands end to end."""
from __future__ import annotations

import csv
import json

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from nogan.restore.damage import (DamageNet, DamageNetConfig, damage_probability, detect_damage,
                                  load_damage_net, save_damage_net)
from training.cli import main as training_main
from training.config import DamageConfig
from training.damage import synth
from training.damage.evaluate import f1_from_counts, tolerant_counts
from training.damage.model import build_damage_net
from training.damage.synth import damage
from training.damage.train import dice_loss, tolerance_weight
from training.grey_unet import grey_stem


def photo_like(h: int = 256, w: int = 256, seed: int = 0) -> np.ndarray:
    """A clean grey 'photo': smooth shading, a few soft shapes with edges, fine texture."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    img = 90 + 60 * np.sin(xx / w * 3 + 1) * np.cos(yy / h * 2)
    for _ in range(4):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(20, 60)
        img = np.where((xx - cx) ** 2 + (yy - cy) ** 2 < r * r, img * 0.6 + rng.uniform(40, 110), img)
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 1.2)
    img += cv2.GaussianBlur(rng.normal(0, 4, (h, w)).astype(np.float32), (0, 0), 0.7)
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def tiny_net() -> DamageNet:
    torch.manual_seed(0)
    return DamageNet(DamageNetConfig.tiny()).eval()


# -- the generator ------------------------------------------------------------------------------

def test_damage_mask_marks_what_was_drawn(monkeypatch):
    # without ageing, look-alikes and scan noise, only the defects change the flat photo
    monkeypatch.setattr(synth, "look_alikes", lambda photo, rng: photo)
    monkeypatch.setattr(synth, "age", lambda photo, rng, levels: photo)
    monkeypatch.setattr(synth, "fade", lambda photo, levels: photo)
    monkeypatch.setattr(synth, "scan", lambda image, rng: np.clip(image, 0, 255).round().astype(np.uint8))
    photo = np.full((192, 192), 128, np.uint8)
    masks = []
    for seed in range(12):
        damaged, mask = damage(photo, np.random.default_rng(seed), clean_prob=0.0)
        assert damaged.shape == mask.shape == photo.shape and damaged.dtype == np.uint8 and mask.dtype == bool
        change = np.abs(damaged.astype(np.float32) - 128)
        assert (change[mask] >= synth.MASK_DELTA - 0.5).all()  # every marked pixel was changed visibly
        # below MASK_ALPHA a defect moves a pixel by at most MASK_ALPHA * 128 levels: anything
        # changed more than that is marked
        assert mask[change > synth.MASK_ALPHA * 128 + 1].all()
        masks.append(mask)
    assert sum(m.any() for m in masks) >= 10
    # dust goes down to single pixels
    sizes = [s for m in masks
             for s in cv2.connectedComponentsWithStats(m.astype(np.uint8), connectivity=8)[2][1:, 4]]
    assert min(sizes) <= 2


def test_damage_is_seeded_and_clean_samples_have_empty_masks():
    photo = photo_like(96, 128)
    a, ma = damage(photo, np.random.default_rng(7))
    b, mb = damage(photo, np.random.default_rng(7))
    assert np.array_equal(a, b) and np.array_equal(ma, mb)
    _, clean = damage(photo, np.random.default_rng(7), clean_prob=1.0)
    assert not clean.any()
    with pytest.raises(ValueError, match="photo"):
        damage(photo.astype(np.float32), np.random.default_rng(0))


def test_some_prints_fade_with_their_damage(monkeypatch):
    # dark defects on a print that faded after it was damaged are no darker than its blacks
    monkeypatch.setattr(synth, "look_alikes", lambda photo, rng: photo)
    monkeypatch.setattr(synth, "scan", lambda image, rng: np.clip(image, 0, 255).round().astype(np.uint8))
    monkeypatch.setattr(synth, "fading", lambda rng: (60.0, 200.0) if rng.random() < 0.6 else None)
    monkeypatch.setattr(synth, "_tone", lambda rng, bright=0.7: 5.0)
    photo = np.tile(np.linspace(0, 255, 128).astype(np.uint8), (128, 1))
    darkest = [damage(photo, np.random.default_rng(seed), clean_prob=0.0)[0].min() for seed in range(40)]
    faded_with_damage = sum(d >= 60 for d in darkest)
    assert 5 <= faded_with_damage <= 25  # about 0.6 * 0.5 of the prints
    assert sum(d < 40 for d in darkest) >= 15  # the rest: defects darker than the faded print

def test_spots_range_from_specks_to_stains_and_cracks_and_scratches_come_dark_and_bright():
    widths = []
    for seed in range(40):
        alpha, tone = np.zeros((160, 160), np.float32), np.zeros((160, 160), np.float32)
        synth.spots(alpha, tone, np.random.default_rng(seed), 1)
        ys, xs = np.nonzero(alpha > 0.25)
        if len(xs):
            widths.append(max(np.ptp(xs), np.ptp(ys)) + 1)
    assert min(widths) <= 8 and 20 <= max(widths) <= 40  # mould spots of 3 to about 28 px
    for draw in (lambda a, t, rng: synth.cracks(a, t, rng, 1),
                 lambda a, t, rng: synth.scratches(a, t, rng, 1, wide=False)):
        tones = []
        for seed in range(40):
            alpha, tone = np.zeros((96, 96), np.float32), np.zeros((96, 96), np.float32)
            draw(alpha, tone, np.random.default_rng(seed))
            if (alpha > 0.5).any():
                tones.append(tone[alpha > 0.5].mean())
        dark = np.mean(np.array(tones) < 128)
        assert 0.3 < dark < 0.7  # cracked glass negatives and dirt print dark, bare paper bright


def test_f1_tolerates_one_pixel():
    truth = np.zeros((20, 20), bool)
    truth[10, 5:15] = True
    shifted = np.roll(truth, 1, axis=0)
    assert f1_from_counts(tolerant_counts(shifted, truth))["f1"] == 1.0
    assert f1_from_counts(tolerant_counts(np.roll(truth, 3, axis=0), truth))["f1"] == 0.0


def test_tolerance_lets_a_scratch_be_marked_a_pixel_wide():
    mask = torch.zeros(1, 1, 20, 20)
    mask[..., 10, 3:17] = 1
    logits = lambda marked: torch.where(marked > 0, 8.0, -8.0)  # noqa: E731
    wide = F.max_pool2d(mask, 3, stride=1, padding=1)  # the scratch and a pixel each side
    off = torch.roll(mask, 2, dims=2)
    def loss(marked, weight):
        return F.binary_cross_entropy_with_logits(logits(marked), mask, weight=weight) + dice_loss(
            logits(marked), mask, weight)
    assert tolerance_weight(mask, 0) is None
    weight = tolerance_weight(mask, 1)
    assert weight.sum() == 400 - (wide - mask).sum() and weight[mask > 0].eq(1).all()
    assert loss(wide, weight) == pytest.approx(loss(mask, weight), abs=1e-3)
    assert loss(wide, None) > loss(mask, None) + 0.1
    assert loss(off, weight) > loss(mask, weight) + 0.5


# -- the network and detection ------------------------------------------------------------------

def test_grey_stem_matches_the_rgb_imagenet_stem():
    net = build_damage_net(DamageConfig(depth=1, decoder_channels=(8,), fine_channels=4)).eval()
    from nogan.models.encoders import EfficientNetLiteEncoder
    from training.backbones import load_backbone
    from training.data import IMAGENET_MEAN, IMAGENET_STD
    rgb = load_backbone(EfficientNetLiteEncoder(), "efficientnet_lite0", "imagenet").eval()
    assert torch.equal(net.encoder._conv_stem.weight, grey_stem(rgb)["_conv_stem.weight"])
    grey = torch.rand(1, 1, 32, 32)
    with torch.no_grad():
        expected = rgb.stem((grey.expand(1, 3, 32, 32) - IMAGENET_MEAN) / IMAGENET_STD)
        got = net.encoder.stem(grey)
    # equal away from the border, where zero padding of normalised and raw input differ
    torch.testing.assert_close(got[..., 1:-1, 1:-1], expected[..., 1:-1, 1:-1], atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("shape", [(37, 53), (5, 7), (130, 66)])
def test_detect_damage_on_odd_sizes(tiny_net, shape):
    gray = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    mask = detect_damage(tiny_net, gray, precision="fp32")
    assert mask.shape == shape and mask.dtype == bool
    with pytest.raises(ValueError, match="multiples of 4"):
        tiny_net(torch.zeros(1, 1, 6, 8))


def test_tiling_matches_a_single_pass(tiny_net):
    gray = photo_like(200, 150)
    whole = damage_probability(tiny_net, gray, precision="fp32", tile=256, overlap=16)
    tiled = damage_probability(tiny_net, gray, precision="fp32", tile=64, overlap=24)
    np.testing.assert_allclose(tiled, whole, atol=1e-5)


def test_detect_damage_rejects_bad_arguments(tiny_net):
    with pytest.raises(ValueError, match="gray"):
        detect_damage(tiny_net, np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="tile"):
        detect_damage(tiny_net, np.zeros((8, 8), np.uint8), tile=30)
    with pytest.raises(ValueError, match="threshold"):
        detect_damage(tiny_net, np.zeros((8, 8), np.uint8), threshold=1.5)


def test_save_and_load_round_trip(tmp_path, tiny_net):
    save_damage_net(tiny_net, tmp_path / "m", threshold=0.4, dtype=torch.float32)
    loaded = load_damage_net(tmp_path / "m")
    assert loaded.config == tiny_net.config and loaded.threshold == 0.4
    x = torch.rand(1, 1, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), tiny_net(x))
    with pytest.raises(ValueError, match="config.json"):
        load_damage_net(tmp_path / "missing")


# -- the bundled weights ------------------------------------------------------------------------

def test_bundled_weights_find_a_scratch_and_one_pixel_dust():
    net = load_damage_net()
    clean = photo_like(256, 256, seed=3)
    assert detect_damage(net, clean).mean() < 0.01
    damaged = clean.copy()
    cv2.line(damaged, (20, 10), (230, 245), 250, 2)
    scratch = np.zeros_like(clean)
    cv2.line(scratch, (20, 10), (230, 245), 1, 2)
    dust = [(40, 200), (180, 60), (120, 30), (220, 150), (70, 110)]
    for y, x in dust:
        damaged[y, x] = 255 if clean[y, x] < 150 else 0
    mask = detect_damage(net, damaged)
    assert mask[scratch.astype(bool)].mean() > 0.6
    found = sum(mask[y - 1:y + 2, x - 1:x + 2].any() for y, x in dust)
    assert found >= 4
    assert (mask & ~cv2.dilate(scratch, np.ones((7, 7), np.uint8)).astype(bool)).mean() < 0.01


# -- training subcommands -----------------------------------------------------------------------

def test_train_resume_evaluate_export(tmp_path, capsys):
    data = tmp_path / "photos"
    data.mkdir()
    for i in range(6):
        Image.fromarray(photo_like(48, 64, seed=i)).convert("RGB").save(data / f"{i:02d}.png")
    run = tmp_path / "run"
    common = ["--run", str(run), "--data", str(data), "--size", "32", "--batch-size", "2", "--workers", "0",
              "--depth", "2", "--decoder-channels", "8", "8", "--fine-channels", "4", "--encoder-weights", "none",
              "--val-fraction", "0.34", "--val-images", "2", "--save-every", "2", "--log-every", "1"]
    assert training_main(["train-damage", *common, "--epochs", "1"]) == 0
    assert training_main(["train-damage", *common, "--epochs", "2", "--tolerance", "1",
                          "--resume", str(run / "ckpt_000002.pt")]) == 0
    rows = list(csv.DictReader((run / "log.csv").open()))
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
    assert all(float(r["loss"]) > 0 for r in rows) and rows[-1]["val_f1"] != ""
    assert (run / "best.pt").is_file() and (run / "ckpt_000004.pt").is_file()
    capsys.readouterr()
    assert training_main(["evaluate-damage", "--model", str(run / "best.pt"), "--data", str(data),
                          "--val-fraction", "0.34", "--device", "cpu"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["images"] == 2 and 0 <= result["f1"] <= 1
    out = tmp_path / "exported"
    assert training_main(["export-damage", "--checkpoint", str(run / "best.pt"), "--out", str(out),
                          "--threshold", str(result["best_threshold"])]) == 0
    net = load_damage_net(out)
    assert net.threshold == result["best_threshold"] and net.config == DamageNetConfig.tiny()
    assert training_main(["export-damage", "--checkpoint", str(tmp_path / "nope.pt"), "--out", str(out)]) == 2


def test_views_average_the_mirror_images(tiny_net):
    gray = photo_like(96, 72)
    plain = damage_probability(tiny_net, gray, precision="fp32", views=1)
    mirrored = damage_probability(tiny_net, np.ascontiguousarray(gray[:, ::-1]), precision="fp32", views=1)
    two = damage_probability(tiny_net, gray, precision="fp32", views=2)
    np.testing.assert_allclose(two, (plain + mirrored[:, ::-1]) / 2, atol=1e-6)
    # with its mirror image averaged in, the map of a mirrored picture is the mirrored map
    for views in (2, 4):
        both = damage_probability(tiny_net, np.ascontiguousarray(gray[:, ::-1]), precision="fp32", views=views)
        np.testing.assert_allclose(both[:, ::-1], damage_probability(tiny_net, gray, precision="fp32",
                                                                     views=views), atol=1e-6)
    with pytest.raises(ValueError, match="views=3"):
        damage_probability(tiny_net, gray, views=3)
