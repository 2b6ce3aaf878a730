"""The learned fill for wide damage: FillNet, windowed inference, repair's split between Telea
(thin) and the network (wide), the Restorer using it, and train-fill / evaluate-fill / export-fill."""
from __future__ import annotations

import csv
import json

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from nogan.restore import Restorer, inpaint
from nogan.restore.damage_net import DamageNet, DamageNetConfig
from nogan.restore.fill import learned_fill
from nogan.restore.fill_net import FillNet, FillNetConfig, load_fill_net, save_fill_net
from nogan.restore.repair import TELEA_RADIUS, wide_part, wide_regions
from training.cli import main as training_main
from training.fill import data as fill_data
from training.fill.masks import wide_holes


def photo(h: int = 96, w: int = 128, seed: int = 0) -> np.ndarray:
    """Smooth shading with a few soft-edged discs and fine texture."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    img = 100 + 50 * np.sin(xx / w * 3 + 1) * np.cos(yy / h * 2)
    for _ in range(3):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(10, 30)
        img = np.where((xx - cx) ** 2 + (yy - cy) ** 2 < r * r, img * 0.6 + rng.uniform(40, 100), img)
    img = cv2.GaussianBlur(img, (0, 0), 1.0) + rng.normal(0, 3, (h, w))
    return np.clip(img, 0, 255).astype(np.uint8)


def tiny_fill_net(seed: int = 0) -> FillNet:
    torch.manual_seed(seed)
    return FillNet(FillNetConfig.tiny()).eval()


def white_fill_net() -> FillNet:
    """A FillNet that proposes pure white everywhere: where it wrote is plain to see."""
    net = tiny_fill_net()
    with torch.no_grad():
        net.head.weight.zero_()
        net.head.bias.fill_(30.0)
    return net


# -- the network and its windowed inference -----------------------------------------------------

def test_fill_net_starts_at_its_input_corrects_only_holes_and_checks_shapes():
    net = tiny_fill_net()
    image = torch.rand(2, 1, 32, 48)
    holes = (torch.rand(2, 1, 32, 48) > 0.7).float()
    with torch.no_grad():
        assert torch.equal(net(image, holes), image)  # untrained: FSR's fill comes back as it is
        torch.nn.init.normal_(net.head.weight, std=1.0)
        out = net(image, holes)
    assert out.shape == image.shape and 0 <= out.min() and out.max() <= 1
    assert torch.equal(out[holes == 0], image[holes == 0])
    assert not torch.equal(out[holes == 1], image[holes == 1])
    with pytest.raises(ValueError, match="multiples of 4"):
        net(torch.rand(1, 1, 30, 32), torch.zeros(1, 1, 30, 32))
    with pytest.raises(ValueError, match="holes"):
        net(image, holes[:, :, :16])
    with pytest.raises(ValueError, match="depth"):
        FillNetConfig(depth=6, decoder_channels=(8,) * 6)


@pytest.mark.parametrize("shape", [(45, 77), (45, 77, 3)])
def test_learned_fill_writes_inside_the_holes_only(shape):
    image = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    holes = np.zeros(shape[:2], bool)
    holes[10:20, 5:70] = True
    holes[40, 3] = True  # a hole in a window of its own when tiled
    out = learned_fill(white_fill_net(), image, holes, tile=32, context=8)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert np.array_equal(out[~holes], image[~holes])
    assert (out[holes] == 255).all()
    with pytest.raises(ValueError, match="holes"):
        learned_fill(tiny_fill_net(), image, holes[:10])
    with pytest.raises(ValueError, match="tile"):
        learned_fill(tiny_fill_net(), image, holes, tile=0)


def test_save_and_load_round_trip(tmp_path):
    net = tiny_fill_net()
    save_fill_net(net, tmp_path / "m", dtype=torch.float32)
    loaded = load_fill_net(tmp_path / "m")
    assert loaded.config == net.config and not loaded.training
    image, holes = torch.rand(1, 1, 16, 16), (torch.rand(1, 1, 16, 16) > 0.5).float()
    with torch.no_grad():
        torch.testing.assert_close(loaded(image, holes), net(image, holes))
    with pytest.raises(ValueError, match="config.json"):
        load_fill_net(tmp_path / "missing")
    (tmp_path / "m" / "config.json").write_text(json.dumps({"format": "nogan-damage"}))
    with pytest.raises(ValueError, match="nogan-fill"):
        load_fill_net(tmp_path / "m")


# -- repair: Telea for thin defects, the network for wide ones ----------------------------------

def test_repair_with_an_untrained_network_is_the_fsr_default():
    clean = photo()
    holes = np.zeros(clean.shape, np.uint8)
    cv2.line(holes, (10, 60), (118, 70), 1, 13)
    cv2.circle(holes, (30, 20), 9, 1, -1)
    damaged = np.where(holes, 250, clean).astype(np.uint8)
    assert np.array_equal(inpaint(damaged, holes, fill_net=tiny_fill_net()), inpaint(damaged, holes))


def test_repair_gives_wide_regions_to_the_network_and_thin_ones_to_telea():
    clean = photo()
    holes = np.zeros(clean.shape, np.uint8)
    cv2.line(holes, (5, 10), (120, 12), 1, 2)  # thin: Telea's
    cv2.line(holes, (10, 60), (118, 70), 1, 13)  # wide
    damaged = np.where(holes, 250, clean).astype(np.uint8)
    repaired = inpaint(damaged, holes, fill_net=white_fill_net())
    assert np.array_equal(repaired[holes == 0], damaged[holes == 0])
    telea = cv2.inpaint(damaged, holes, TELEA_RADIUS, cv2.INPAINT_TELEA)
    thin = holes.astype(bool) & (np.arange(clean.shape[0])[:, None] < 30)
    assert np.array_equal(repaired[thin], telea[thin])
    assert (repaired[wide_part(holes).astype(bool)] == 255).all()


def test_restorer_fills_wide_damage_with_the_given_network(monkeypatch):
    torch.manual_seed(0)
    restorer = Restorer(DamageNet(DamageNetConfig.tiny()), device="cpu", precision="fp32", fill_net=white_fill_net())
    clean = photo()
    band = np.zeros(clean.shape, bool)
    band[30:60] = True
    # what the detector finds is not under test here: the damage is a given wide band
    monkeypatch.setattr(restorer, "_find_damage", lambda grey, grain=None: band)
    repaired = np.asarray(restorer.restore(np.where(band, 0, clean).astype(np.uint8), denoise=False,
                                           contrast=False, sharpen=False))
    assert (repaired[36:54] == 255).all()  # the band's wide interior is the network's
    assert np.array_equal(repaired[:25], clean[:25])


def test_from_pretrained_corrects_fsr_with_the_packaged_fill_loaded_lazily_and_shared():
    restorer = Restorer.from_pretrained(device="cpu", precision="fp32")
    net = restorer._get_fill_net()
    assert isinstance(net, FillNet) and not net.training
    assert Restorer.from_pretrained(device="cpu", precision="fp32")._get_fill_net() is net
    assert Restorer.from_pretrained(device="cpu", fill_net=None)._get_fill_net() is None
    with pytest.raises(ValueError, match="fill_net"):
        Restorer.from_pretrained(fill_net="fsr")
    clean = photo()
    holes = np.zeros(clean.shape, np.uint8)
    cv2.line(holes, (10, 60), (118, 70), 1, 11)
    damaged = np.where(holes, 250, clean).astype(np.uint8)
    fsr, learned = inpaint(damaged, holes), inpaint(damaged, holes, fill_net=net)
    assert np.array_equal(learned[holes == 0], damaged[holes == 0]) and not np.array_equal(learned, fsr)


# -- procedural holes, training data and the training subcommands ------------------------------

def test_training_input_is_the_default_repair_of_the_drawn_holes(tmp_path, monkeypatch):
    holes = np.zeros((48, 48), bool)
    holes[20:32, 4:44] = True
    holes[5:7, 5:30] = True  # thin: Telea's, not the network's
    monkeypatch.setattr(fill_data, "wide_holes", lambda h, w, rng: holes)
    Image.fromarray(photo(64, 80)).convert("RGB").save(tmp_path / "a.png")
    filled, truth, regions = fill_data.FillPairs([tmp_path / "a.png"], 48)[(0, 7)]
    assert filled.shape == truth.shape == regions.shape == (1, 48, 48)
    grey = (truth[0] * 255).round().byte().numpy()
    torch.testing.assert_close(filled[0], torch.from_numpy(inpaint(grey, holes)).float() / 255, rtol=0, atol=1e-6)
    assert np.array_equal(regions[0].numpy().astype(np.uint8), wide_regions(holes.astype(np.uint8)))
    assert not regions[0, 5:7].any() and regions[0, 24:28, 10:40].all()


def test_wide_holes_are_wide_and_leave_surroundings():
    for seed in range(6):
        holes = wide_holes(128, 128, np.random.default_rng(seed))
        assert 0 < holes.mean() <= 0.45
        assert cv2.distanceTransform(holes.astype(np.uint8), cv2.DIST_L2, 3).max() >= 2


def test_train_resume_evaluate_export(tmp_path, capsys):
    data = tmp_path / "photos"
    data.mkdir()
    for i in range(6):
        Image.fromarray(photo(48, 64, seed=i)).convert("RGB").save(data / f"{i:02d}.png")
    run = tmp_path / "run"
    common = ["--run", str(run), "--data", str(data), "--size", "32", "--batch-size", "2", "--workers", "0",
              "--depth", "2", "--decoder-channels", "8", "8", "--fine-channels", "4", "--encoder-weights", "none",
              "--val-fraction", "0.34", "--val-images", "2", "--save-every", "2", "--log-every", "1"]
    assert training_main(["train-fill", *common, "--epochs", "1"]) == 0
    assert training_main(["train-fill", *common, "--epochs", "2", "--resume", str(run / "ckpt_000002.pt")]) == 0
    rows = list(csv.DictReader((run / "log.csv").open()))
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
    assert all(float(r["loss"]) > 0 for r in rows) and rows[-1]["val_psnr"] != ""
    assert (run / "best.pt").is_file()
    capsys.readouterr()
    sheet = tmp_path / "sheet.png"
    assert training_main(["evaluate-fill", "--model", str(run / "best.pt"), "--data", str(data),
                          "--val-fraction", "0.34", "--device", "cpu", "--sheet", str(sheet)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["images"] == 2 and set(result) >= {"telea", "fsr", "learned"}
    assert all(result[m]["psnr_hole"] > 5 and -1 <= result[m]["ssim_band"] <= 1 for m in ("telea", "fsr", "learned"))
    assert Image.open(sheet).size[1] == 2 * 2 * (48 + 4)  # two rows of 48 px crops (the photos' side), x2
    out = tmp_path / "exported"
    assert training_main(["export-fill", "--checkpoint", str(run / "best.pt"), "--out", str(out)]) == 0
    assert load_fill_net(out).config == FillNetConfig.tiny()
    assert training_main(["export-fill", "--checkpoint", str(tmp_path / "nope.pt"), "--out", str(out)]) == 2
