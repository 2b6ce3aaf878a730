"""Photo restoration: repair, fading, sharpening and the `Restorer` / `Remaster` pipelines.

Fast: pictures are drawn here, models are tiny and seeded; one test uses the bundled damage
model to check that it finds an obvious drawn scratch and dust.
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from nogan import ImageTooLargeError, InvalidImageError, OutOfMemoryError
from nogan.remaster import Remaster
from nogan.restore import Restorer, available_restorers, inpaint
from nogan.restore.damage import SURE_REACH, DamageNet, DamageNetConfig, save_damage_net
from nogan.restore.denoise import Denoiser
from nogan.restore.ffdnet import FFDNet, FFDNetConfig
from nogan.restore.repair import with_halos
from nogan.restore.restorer import repair_mask
from nogan.restore.rrdbnet import RRDBNet, RRDBNetConfig
from nogan.restore.upscale import Upscaler
from nogan.restore.sharpen import sharpen
from nogan.restore.tone import remove_cast, restore_contrast


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255 ** 2 / max(mse, 1e-10)))


def photo(height: int = 96, width: int = 128, seed: int = 0) -> np.ndarray:
    """A smooth grey picture with edges: gradients, a disc and a bar, light grain."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    grey = 70 + 0.8 * x + 0.4 * y
    grey[(x - width * 0.35) ** 2 + (y - height * 0.5) ** 2 < (height * 0.25) ** 2] = 200
    grey[:, int(width * 0.7):int(width * 0.78)] = 40
    grey += np.random.default_rng(seed).normal(0, 1.0, grey.shape)
    return np.clip(grey, 0, 255).astype(np.uint8)


def scratched(clean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`clean` with a bright scratch, a dark hair and dust specks drawn on; (damaged, mask)."""
    damaged = clean.copy()
    h, w = clean.shape
    cv2.line(damaged, (5, 3), (w - 10, h - 6), 250, 2)
    cv2.line(damaged, (w - 5, 10), (w // 3, h - 4), 10, 1)
    for cx, cy in [(20, 70), (60, 15), (100, 80), (90, 30)]:
        cv2.circle(damaged, (cx, cy), 1, 245, -1)
    return damaged, damaged != clean


# repair ------------------------------------------------------------------------------------------

def test_inpaint_fills_thin_damage_from_its_surroundings():
    clean = photo()
    damaged, mask = scratched(clean)
    repaired = inpaint(damaged, mask)
    assert np.array_equal(repaired[~mask], damaged[~mask])
    before = np.abs(damaged[mask].astype(int) - clean[mask]).mean()
    after = np.abs(repaired[mask].astype(int) - clean[mask]).mean()
    assert before > 60 and after < 10


def test_inpaint_continues_edges_across_a_wide_hole_in_colour():
    clean = np.zeros((80, 80, 3), np.uint8)
    clean[:, :40] = (200, 120, 60)
    clean[:, 40:] = (30, 60, 150)
    mask = np.zeros((80, 80), bool)
    mask[25:55, 20:60] = True  # 30 px tall: Telea alone smears one side into the other
    damaged = clean.copy()
    damaged[mask] = 255
    repaired = inpaint(damaged, mask)
    assert np.array_equal(repaired[~mask], clean[~mask])
    telea = cv2.inpaint(damaged, mask.astype(np.uint8), 3, cv2.INPAINT_TELEA)
    assert psnr(repaired[mask], clean[mask]) > psnr(telea[mask], clean[mask]) + 3
    assert psnr(repaired[mask], clean[mask]) > 25


def test_a_blurred_speck_is_filled_with_its_halo_and_no_ring_is_left():
    rng = np.random.default_rng(0)
    sky = np.clip(150 + rng.normal(0, 1.0, (60, 60)), 0, 255).astype(np.float32)
    dust = np.zeros_like(sky)
    cv2.circle(dust, (30, 30), 2, 60.0, -1)
    dusty = np.clip(sky - cv2.GaussianBlur(dust, (0, 0), 1.5), 0, 255).astype(np.uint8)  # soft, like a scan
    clean = np.clip(sky, 0, 255).astype(np.uint8)
    holes = repair_mask(clean.astype(int) - dusty > 25)  # what a detector marks, the dark core, grown
    ring = lambda holes: np.abs(inpaint(dusty, holes).astype(int) - clean)[20:41, 20:41].max()  # noqa: E731
    grown = with_halos(holes, dusty, 1.0)
    assert grown.sum() > holes.sum() and ring(grown) <= 6 and ring(holes) >= 10
    texture = np.clip(cv2.resize(rng.uniform(60, 240, (15, 15)), (60, 60), interpolation=cv2.INTER_NEAREST)
                      - cv2.GaussianBlur(dust, (0, 0), 1.5), 0, 255).astype(np.uint8)
    assert with_halos(holes, texture, 1.0).sum() <= holes.sum() + 8  # on texture a ring would not show
    scratch = np.zeros_like(holes)
    scratch[30, 2:58] = 1  # not a speck: its rim is left to REPAIR_GROW
    assert np.array_equal(with_halos(scratch, dusty, 1.0), scratch)


def test_inpaint_without_damage_and_bad_arguments():
    clean = photo()
    assert np.array_equal(inpaint(clean, np.zeros(clean.shape, bool)), clean)
    with pytest.raises(ValueError, match="mask"):
        inpaint(clean, np.zeros((3, 3), bool))
    with pytest.raises(ValueError, match="uint8"):
        inpaint(clean.astype(np.float32), np.zeros(clean.shape, bool))


# fading and softness -----------------------------------------------------------------------------

def test_contrast_of_a_faded_photo_is_restored_without_clipping_highlights():
    clean = photo()
    faded = (90 + clean.astype(np.float32) * 0.4).astype(np.uint8)  # tones squeezed into 90..192
    restored = restore_contrast(faded)
    assert np.ptp(restored) > 2 * np.ptp(faded)
    assert np.corrcoef(faded.ravel(), restored.ravel())[0, 1] > 0.95  # the same picture, only stretched
    assert np.count_nonzero(restored == 255) <= np.count_nonzero(faded >= faded.max())


def test_local_contrast_is_added_only_where_levels_cannot_bring_the_range_back():
    clean = photo()

    def tone_map_is_global(restored: np.ndarray, faded: np.ndarray) -> bool:
        """Whether each input grey level went to a single output level (levels, no CLAHE)."""
        return all(np.ptp(restored[faded == v]) == 0 for v in np.unique(faded))

    faded = (60 + clean.astype(np.float32) * 0.5).astype(np.uint8)  # a full stretch undoes this
    assert tone_map_is_global(restore_contrast(faded), faded)
    flat = (100 + clean.astype(np.float32) * 0.15).astype(np.uint8)  # beyond the levels' gain cap
    restored = restore_contrast(flat)
    assert not tone_map_is_global(restored, flat)
    assert np.ptp(restored) > 3 * np.ptp(flat)


def test_healthy_contrast_and_neutral_colour_are_left_alone():
    clean = cv2.normalize(photo(), None, 2, 253, cv2.NORM_MINMAX)
    assert np.array_equal(restore_contrast(clean), clean)
    lab = cv2.cvtColor(np.dstack([clean] * 3), cv2.COLOR_RGB2LAB)
    assert np.array_equal(remove_cast(lab), lab)


def test_colour_cast_of_a_faded_print_is_removed():
    grey = np.dstack([photo()] * 3).astype(np.float32)
    tinted = np.clip(grey * [1.0, 0.85, 0.7] + [10, 0, 0], 0, 255).astype(np.uint8)  # yellowed
    lab = cv2.cvtColor(tinted, cv2.COLOR_RGB2LAB)
    fixed = remove_cast(lab)
    cast = lambda im: np.abs(im[:, :, 1:].astype(float) - 128).mean()  # noqa: E731
    assert cast(lab) > 8 and cast(fixed) < 2


def test_sharpen_steepens_edges_without_halos():
    step = np.tile(np.r_[np.full(20, 60), np.full(20, 180)].astype(np.uint8), (16, 1))
    soft = cv2.GaussianBlur(step, (0, 0), 1.5)
    sharp = sharpen(soft)
    assert np.abs(np.diff(sharp.astype(int), axis=1)).max() > np.abs(np.diff(soft.astype(int), axis=1)).max()
    assert sharp.min() >= soft.min() and sharp.max() <= soft.max()  # no over- or undershoot
    flat = np.full((16, 16), 128, np.uint8)
    assert np.array_equal(sharpen(flat), flat)


# the Restorer --------------------------------------------------------------------------------------

def damage_net(bias: float) -> DamageNet:
    """A tiny seeded DamageNet whose head bias decides what it finds: < 0 nothing, > 0 everything."""
    torch.manual_seed(0)
    net = DamageNet(DamageNetConfig.tiny()).eval()
    with torch.no_grad():
        net.head.weight.zero_()
        net.head.bias.fill_(bias)
    return net


class Bicubic4(torch.nn.Module):
    """A stand-in x4 super-resolution network whose output is predictable: bicubic enlargement."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=4, mode="bicubic", align_corners=False)


def tiny_restorer(bias: float = -20.0, upscale_net: torch.nn.Module | None = None, **kwargs) -> Restorer:
    torch.manual_seed(0)
    denoiser = Denoiser(FFDNet(FFDNetConfig.tiny()), device="cpu", precision="fp32")
    upscaler = Upscaler(upscale_net or RRDBNet(RRDBNetConfig.tiny()), device="cpu", precision="fp32", tile=32, pad=4)
    return Restorer(damage_net(bias), denoiser, upscaler, device="cpu", precision="fp32", **kwargs)


@pytest.fixture(scope="module")
def restorer() -> Restorer:
    return tiny_restorer()


def healthy_photo(height: int = 96, width: int = 128) -> np.ndarray:
    """Full tone range, faint grain: a photo with nothing to restore."""
    return cv2.normalize(cv2.GaussianBlur(photo(height, width), (0, 0), 0.7), None, 3, 252, cv2.NORM_MINMAX)


def test_clean_photo_passes_nearly_unchanged(restorer):
    clean = healthy_photo()
    out = restorer.restore(clean)
    assert out.mode == "L" and out.size == (128, 96)
    assert psnr(np.asarray(out), clean) >= 32


@pytest.mark.parametrize("upscale", [1, 2, 4])
def test_output_size_is_input_times_upscale(restorer, upscale):
    out = restorer.restore(np.dstack([healthy_photo(40, 56)] * 3), upscale=upscale)
    assert out.mode == "L" and out.size == (56 * upscale, 40 * upscale)


def test_a_picture_too_small_to_measure_its_grain_is_still_repaired(restorer):
    tiny = np.full((5, 6), 128, np.uint8)  # under 8 px a side: no grain estimate, no speck rims
    assert restorer.restore(tiny, denoise=False).size == (6, 5)
    assert np.array_equal(np.asarray(restorer.restore(tiny, denoise=False, contrast=False, sharpen=False)), tiny)


def test_modes_grey_colour_alpha_and_16_bit(restorer, tmp_path):
    grey = healthy_photo(48, 64)
    colour = np.dstack([grey, np.roll(grey, 9, axis=1), 255 - grey])
    assert restorer.restore(Image.fromarray(colour)).mode == "RGB"
    rgba = Image.fromarray(colour).convert("RGBA")
    rgba.putalpha(Image.fromarray(np.tile(np.linspace(0, 255, 64, dtype=np.uint8), (48, 1))))
    out = restorer.restore(rgba, upscale=2)
    assert out.mode == "RGBA" and out.size == (128, 96)
    alpha = np.asarray(rgba.getchannel("A").resize(out.size, Image.BILINEAR), int)
    assert np.abs(np.asarray(out.getchannel("A"), int) - alpha).mean() < 3
    assert restorer.restore(Image.fromarray(grey).convert("LA")).mode == "LA"
    sixteen = tmp_path / "scan16.png"
    Image.fromarray(grey.astype(np.uint16) * 257).save(sixteen)
    out = restorer.restore(sixteen)
    assert out.mode == "L" and psnr(np.asarray(out), grey) >= 32


def test_exif_orientation_is_applied(restorer, tmp_path):
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: shown portrait
    Image.fromarray(healthy_photo(48, 64)).save(path, exif=exif)
    assert restorer.restore(path).size == (48, 64)
    assert restorer.damage_mask(path).size == (48, 64)


def test_damage_mask_and_repair_follow_the_detector(restorer):
    clean = healthy_photo()
    damaged, truth = scratched(clean)
    mask = restorer.damage_mask(damaged)  # a network sure of no damage: only isolated dust is found
    assert mask.mode == "L" and mask.size == (128, 96)
    specks = np.zeros_like(clean)
    for cx, cy in [(20, 70), (60, 15), (100, 80), (90, 30)]:
        cv2.circle(specks, (cx, cy), 3, 1, -1)
    found = np.asarray(mask) > 0
    assert found[specks > 0].any() and np.count_nonzero(found[specks == 0]) <= 10
    everywhere = tiny_restorer(bias=20.0)  # sure of damage everywhere: the evidence decides (and SURE_REACH)
    found = np.asarray(everywhere.damage_mask(damaged)) > 0
    near = cv2.dilate(found.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    visible = truth & (np.abs(damaged.astype(int) - clean) >= 30)  # not the scratch over the bright disc
    beside = cv2.dilate(truth.astype(np.uint8), np.ones((2 * SURE_REACH + 5,) * 2, np.uint8)).astype(bool)
    # elsewhere only the middle of the 11 px dark bar, whose blurred sides are brighter, and what this
    # network, sure of every pixel, adds around it
    assert near[visible].mean() > 0.85 and np.count_nonzero(found & ~beside) < 0.08 * found.size
    switched_off = everywhere.restore(damaged, repair=False, denoise=False, contrast=False, sharpen=False)
    assert np.array_equal(np.asarray(switched_off), damaged)


def test_bad_arguments_and_inputs(restorer):
    grey = healthy_photo(16, 16)
    with pytest.raises(ValueError, match="upscale=3"):
        restorer.restore(grey, upscale=3)
    with pytest.raises(ValueError, match="denoise='strong'"):
        restorer.restore(grey, denoise="strong")
    with pytest.raises(InvalidImageError):
        restorer.restore("no/such/photo.jpg")
    with pytest.raises(InvalidImageError):
        restorer.restore(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(ValueError, match=r"'no-such-restorer' is neither a known restoration model \(restore\)"):
        Restorer.from_pretrained("no-such-restorer")
    with pytest.raises(ValueError, match="damage_net or a source"):
        Restorer()


def test_upscale_over_the_pixel_limit_is_refused_naming_it():
    small_limit = tiny_restorer(max_pixels=100 * 100)
    with pytest.raises(ImageTooLargeError, match="10,000 pixels.*upscale=2"):
        small_limit.restore(np.zeros((40, 40), np.uint8), upscale=4)


def test_out_of_memory_suggests_a_smaller_factor(restorer, monkeypatch):
    def exhausted(image, scale):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 9 GB")

    monkeypatch.setattr(restorer, "_upscaler", exhausted)
    with pytest.raises(OutOfMemoryError, match="upscale=2"):
        restorer.restore(healthy_photo(16, 16), upscale=4)


def test_from_pretrained_loads_a_folder_lazily_and_shares_it(tmp_path):
    save_damage_net(damage_net(-20.0), tmp_path / "damage", dtype=torch.float32)
    first = Restorer.from_pretrained(tmp_path / "damage", device="cpu", precision="fp32")
    assert not first.is_loaded
    first.damage_mask(healthy_photo(32, 32))
    second = Restorer.from_pretrained(str(tmp_path / "damage"), device="cpu", precision="fp32").load()
    assert first.is_loaded and first._damage_net is second._damage_net


def test_bundled_model_finds_and_repairs_a_drawn_scratch_and_dust():
    assert available_restorers() == ["restore"]
    restorer = Restorer.from_pretrained(device="cpu", precision="fp32")
    clean = cv2.resize(healthy_photo(), (256, 192), interpolation=cv2.INTER_CUBIC)
    damaged = clean.copy()
    # bright: the bundled weights find about half of this scratch and only a fifth of a dark one
    # (their model card lists the missed dark scratches); what is found must be damage
    cv2.line(damaged, (10, 20), (240, 170), 250, 2)
    for cx, cy in [(40, 150), (120, 30), (200, 60), (180, 160)]:
        cv2.circle(damaged, (cx, cy), 1, 20, -1)
    truth = damaged != clean
    found = np.asarray(restorer.damage_mask(damaged)) > 0
    near = cv2.dilate(found.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    assert np.count_nonzero(truth & near) >= 0.45 * np.count_nonzero(truth)
    beside = cv2.dilate(truth.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert np.count_nonzero(found & ~beside) <= 10
    repaired = np.asarray(restorer.restore(damaged, denoise=False, contrast=False, sharpen=False))
    error = lambda picture: np.abs(picture[truth].astype(int) - clean[truth]).mean()  # noqa: E731
    assert error(repaired) < 0.4 * error(damaged)


# the whole job ------------------------------------------------------------------------------------

def test_remaster_restores_colours_and_upscales(tiny_colorizer):
    restorer = tiny_restorer(upscale_net=Bicubic4())
    remaster = Remaster(restorer, tiny_colorizer)
    grey = healthy_photo(48, 64)
    out = remaster(grey)
    assert out.mode == "RGB" and out.size == (64, 48)
    assert np.asarray(out).std(axis=2).mean() > 1  # coloured (the tiny model tints warm)
    rgba = Image.fromarray(grey).convert("RGBA")
    big = remaster(rgba, upscale=2)
    assert big.mode == "RGBA" and big.size == (128, 96)
    # the detail comes from the upscaled luminance, the colour from the picture at its own size
    luma = np.asarray(restorer.restore(out.convert("L"), repair=False, denoise=False, contrast=False,
                                       sharpen=False, upscale=2))
    big_luma = cv2.cvtColor(np.asarray(big.convert("RGB")), cv2.COLOR_RGB2YUV)[:, :, 0]
    assert psnr(big_luma, luma) > 30
    with pytest.raises(ImageTooLargeError):
        Remaster(tiny_restorer(max_pixels=50 * 50), tiny_colorizer)(grey, upscale=2)


def test_showing_and_repairing_the_same_picture_looks_for_damage_once(monkeypatch):
    restorer = tiny_restorer(bias=20.0)
    calls = []
    forward = restorer._damage_net.forward
    monkeypatch.setattr(restorer._damage_net, "forward", lambda x: calls.append(1) or forward(x))
    damaged, _ = scratched(healthy_photo())
    mask = np.asarray(restorer.damage_mask(damaged))
    looked = len(calls)
    assert looked > 0
    repaired = np.asarray(restorer.restore(damaged, denoise=False, contrast=False, sharpen=False))
    assert len(calls) == looked  # the same picture: its damage was remembered
    assert (repaired != damaged)[mask > 0].any()
    restorer.damage_mask(photo(seed=1))
    assert len(calls) > looked  # another picture is looked at afresh
