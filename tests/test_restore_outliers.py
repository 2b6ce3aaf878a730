"""Classical damage evidence: both-sides contrast, outliers beyond grain and texture, isolated dust,
and how detect_damage confirms the network's map with them."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from nogan.restore import damage as damage_module
from nogan.restore.damage import LINK_REACH, SURE_REACH, DamageNet, DamageNetConfig, detect_damage
from nogan.restore.outliers import contrast, film_frame, isolated_specks, outliers

GRAIN = 3.0


def smooth_scene(h: int = 160, w: int = 200, seed: int = 0) -> np.ndarray:
    """Soft shading, a blurred step edge down the middle and faint grain."""
    rng = np.random.default_rng(seed)
    xx = np.mgrid[:h, :w][1].astype(np.float32)
    img = 70 + 0.2 * xx + np.where(xx >= w // 2, 90, 0)
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 1.0) + rng.normal(0, GRAIN, (h, w))
    return np.clip(img, 0, 255).astype(np.uint8)


def sure_net() -> DamageNet:
    """A network that calls every pixel damage: the evidence decides (and SURE_REACH around it)."""
    torch.manual_seed(0)
    net = DamageNet(DamageNetConfig.tiny()).eval()
    with torch.no_grad():
        net.head.weight.zero_()
        net.head.bias.fill_(20.0)
    return net


def test_step_edge_has_no_contrast_and_a_thin_line_has_its_own():
    step = np.where(np.arange(64) >= 32, 200, 50).astype(np.uint8)[None].repeat(48, 0)
    assert np.abs(contrast(step)).max() == 0
    line = np.full((48, 64), 100, np.uint8)
    line[:, 30:32] = 180  # 2 px bright
    line[:, 50] = 20  # 1 px dark
    c = contrast(line)
    assert c[:, 30:32].min() >= 70 and c[:, 50].max() <= -70
    assert np.abs(c[:, :25]).max() == 0
    with pytest.raises(ValueError, match="gray"):
        contrast(np.zeros((8, 8, 3), np.uint8))


def test_edges_and_a_wide_bright_object_are_not_outliers():
    scene = smooth_scene()
    assert not outliers(scene, GRAIN).any()
    pole = scene.copy()
    pole[:, 40:54] = 235  # a 14 px bright chair leg: wider than any defect the evidence looks for
    assert not outliers(pole, GRAIN)[:, 40:54].any()


def test_grain_and_texture_are_not_outliers_but_a_scratch_across_them_is():
    rng = np.random.default_rng(1)
    foliage = cv2.GaussianBlur(rng.normal(0, 1, (160, 200)).astype(np.float32), (0, 0), 1.2)
    foliage = np.clip(110 + 3 * foliage / foliage.std(), 0, 255).astype(np.uint8)
    assert outliers(foliage, GRAIN).mean() < 0.001
    for picture in (foliage, smooth_scene()):
        scratched = picture.copy()
        cv2.line(scratched, (10, 20), (80, 150), 250, 2)
        drawn = np.zeros_like(scratched)
        cv2.line(drawn, (10, 20), (80, 150), 1, 1)
        assert outliers(scratched, GRAIN)[drawn.astype(bool)].mean() > 0.9


def test_isolated_dust_is_found_and_a_dotted_pattern_is_not():
    sky = smooth_scene()
    specks = [(30, 20), (120, 60), (80, 150), (140, 180)]
    for i, (y, x) in enumerate(specks):
        cv2.circle(sky, (x, y), i % 2, 15 if i < 2 else 250, -1)  # 1 and 3 px, dark and bright
    found = isolated_specks(sky, GRAIN)
    assert all(found[y - 1:y + 2, x - 1:x + 2].any() for y, x in specks)
    assert np.count_nonzero(found) <= 4 * 9
    dress = smooth_scene()
    dress[4::8, 4::8] = 245  # a dotted dress: every dot has neighbours
    assert not isolated_specks(dress, GRAIN).any()


def test_film_frame_and_its_lettering_are_found_and_left_alone():
    photo = smooth_scene()
    scan = cv2.copyMakeBorder(photo, 14, 24, 12, 12, cv2.BORDER_CONSTANT, value=8)  # a black frame
    cv2.putText(scan, "33480", (60, 178), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 235, 1)  # an edge number
    frame = film_frame(scan)
    assert frame[:10].all() and frame[-20:].all() and frame[:, :10].all()
    assert not frame[20:-30, 20:-20].any()  # the photo itself
    net = sure_net()
    assert not detect_damage(net, scan, precision="fp32")[frame].any()
    scratched = scan.copy()
    cv2.line(scratched, (40, 30), (150, 150), 250, 1)
    assert detect_damage(net, scratched, precision="fp32")[80:120, 80:120].any()


def test_detect_damage_keeps_only_what_the_evidence_confirms():
    net = sure_net()
    clean = smooth_scene(seed=2)
    assert detect_damage(net, clean, precision="fp32", confirm=False).all()
    assert not detect_damage(net, clean, precision="fp32").any()
    damaged = clean.copy()
    cv2.line(damaged, (10, 150), (90, 10), 20, 2)
    cv2.circle(damaged, (60, 40), 1, 245, -1)
    truth = damaged.astype(int) - clean != 0
    mask = detect_damage(net, damaged, precision="fp32")
    near = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    assert near[truth].mean() > 0.9
    reach = np.ones((2 * SURE_REACH + 5,) * 2, np.uint8)  # the evidence's 2 px, then SURE_REACH
    assert np.count_nonzero(mask & ~cv2.dilate(truth.astype(np.uint8), reach).astype(bool)) == 0


def test_the_inside_of_a_stain_too_wide_for_the_evidence_is_found_with_its_rim(monkeypatch):
    net = sure_net()
    damaged = smooth_scene(seed=2)
    cv2.circle(damaged, (60, 80), 9, 25, -1)  # 19 px across: the evidence sees its rim only
    stain = np.zeros(damaged.shape, np.uint8)
    cv2.circle(stain, (60, 80), 9, 1, -1)
    mask = detect_damage(net, damaged, precision="fp32")
    assert mask[stain.astype(bool)].mean() > 0.95
    assert not (mask & ~cv2.dilate(stain, np.ones((2 * SURE_REACH + 3,) * 2, np.uint8)).astype(bool)).any()
    monkeypatch.setattr(damage_module, "SURE_REACH", 0)
    assert detect_damage(net, damaged, precision="fp32")[stain.astype(bool)].mean() < 0.5


def test_pieces_of_evidence_close_together_are_confirmed_by_one_sure_pixel(monkeypatch):
    gray = np.full((40, 120), 128, np.uint8)
    evidence = np.zeros(gray.shape, bool)
    for x0 in (10, 32, 54):  # a scratch's evidence in pieces 2 px apart...
        evidence[20, x0:x0 + 20] = True
    evidence[20, 77:97] = True  # ...and another defect 3 px beyond it
    prob = np.where(evidence, 0.6, 0.0).astype(np.float32)
    prob[20, 10:15] = 0.95  # the network is sure of a few pixels of the first piece only
    monkeypatch.setattr(damage_module, "damage_probability", lambda *args, **kwargs: prob.copy())
    monkeypatch.setattr(damage_module, "outliers", lambda gray, grain: evidence)
    mask = detect_damage(sure_net(), gray, threshold=0.9)
    assert LINK_REACH == 1 and mask[20, 10:74][evidence[20, 10:74]].all()
    assert not mask[20, 74:].any() and not mask[~evidence].any()
    monkeypatch.setattr(damage_module, "LINK_REACH", 0)
    assert detect_damage(sure_net(), gray, threshold=0.9)[20].sum() == 20
