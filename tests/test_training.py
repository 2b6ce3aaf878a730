"""The training pipeline, end to end on CPU: a tiny generator overfits a dozen generated photos.

The module-scoped `run` fixture drives every training subcommand once through the CLI entry
point; the tests then check what each step left behind, plus the pieces (switch, pick rule,
crappify, sampler, config parsing, weights) on their own. No network, no downloaded weights.
"""
from __future__ import annotations

import json
import math
import random
import shlex
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch.nn.utils import parametrize

from nogan import Colorizer, WeightsUnavailableError
from nogan.models import GeneratorConfig
from training import average, push
from training.checkpoint import generator_from, load_checkpoint, numbered_checkpoints
from training.cli import main, parse
from training.config import AverageConfig, GanConfig, PretrainGenConfig, PushConfig, command_line
from training.critic import Critic
from training.csv_log import read_log
from training.data import StepSampler, crappify, split_files
from training.gan import CRITIC, GENERATOR, ThresholdSwitch, checkpoint_interval
from training.generator import build_generator
from training.losses import FeatureLoss, VggFeatures, chroma, colour_balance_losses, feature_network
from training.metrics import compare, mean_metrics
from training.schedule import one_cycle
from training.sweep import pick

N_PHOTOS = 12  # val_fraction 0.25 holds out 3; 9 train photos = 2 batches of 4 per epoch
TINY = ["--workers", "0", "--batch-size", "4", "--val-fraction", "0.25", "--log-every", "1"]
FEATURES = ["--feature-net", "efficientnet_lite0", "--feature-weights", "none"]
CRITIC_ARGS = ["--critic-nf", "16", "--critic-blocks", "1"]


def make_photos(folder: Path, n: int = N_PHOTOS) -> Path:
    """Colourful synthetic photos: smooth colour gradients with a bright disc, 64x80 px."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:64, 0:80] / 64.0
    for i in range(n):
        c = rng.uniform(0, 1, (3, 3))
        img = np.stack([np.clip(c[k, 0] + c[k, 1] * xx + c[k, 2] * yy, 0, 1) for k in range(3)], -1)
        cy, cx = rng.uniform(0.3, 0.7, 2)
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < 0.04] = rng.uniform(0, 1, 3)
        Image.fromarray((img * 255).astype(np.uint8)).save(folder / f"photo{i:02d}.jpg", quality=95)
    return folder


def cli(*args: str) -> None:
    assert main(list(args)) == 0, f"python -m training {' '.join(args)} failed"


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    return make_photos(tmp_path_factory.mktemp("data") / "photos")


@pytest.fixture(scope="module")
def run(photos, tmp_path_factory) -> Path:
    """pretrain-gen, save-gen-images, pretrain-critic, gan and one more cycle, all at 32 px."""
    root = tmp_path_factory.mktemp("run")
    common = ["--run", str(root), "--data", str(photos), *TINY]
    cli("pretrain-gen", *common, *FEATURES, "--size", "32", "--encoder", "efficientnet_lite0",
        "--nf-factor", "0.25", "--encoder-weights", "none", "--epochs", "12", "--freeze-epochs", "1",
        "--lr", "3e-3", "--finetune-lr", "3e-3", "--save-every", "12", "--stage", "gen32")
    gen = str(root / "gen32" / "ckpt_000024.pt")
    cli("save-gen-images", *common, "--gen", gen, "--size", "48")
    cli("pretrain-critic", *common, *CRITIC_ARGS, "--size", "32", "--epochs", "2", "--save-every", "2")
    cli("gan", *common, *FEATURES, "--size", "32", "--gen", gen, "--epochs", "3", "--lr", "1e-4",
        "--checkpoint-every", "0.9")
    cli("cycle", *common, *FEATURES, "--size", "32", "--gen-size", "48", "--critic-epochs", "1",
        "--epochs", "1", "--checkpoint-every", "0.9")
    return root


def assert_same_state(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


# --- generator pretraining ---------------------------------------------------------------------

def test_pretrain_gen_overfits_and_logs(run):
    rows = read_log(run / "gen32" / "log.csv")
    assert [r["step"] for r in rows] == list(range(1, 25))
    losses = [r["loss"] for r in rows]
    assert all(math.isfinite(x) for x in losses)
    assert np.mean(losses[-3:]) < 0.8 * np.mean(losses[:3])
    assert rows[0]["frozen"] == 1.0 and rows[-1]["frozen"] == 0.0  # encoder unfrozen after epoch 1
    ckpt = load_checkpoint(run / "gen32" / "ckpt_000024.pt")
    assert ckpt["phase"] == "pretrain-gen" and ckpt["step"] == 24
    assert ckpt["config"]["size"] == 32 and ckpt["config"]["lr"] == 3e-3
    assert ckpt["history"][0].startswith("python -m training pretrain-gen")


def test_resume_continues_exactly(run):
    folder = run / "gen32"
    finished = load_checkpoint(folder / "ckpt_000024.pt")
    log_before = (folder / "log.csv").read_text()
    cli("pretrain-gen", "--resume", str(folder / "ckpt_000012.pt"))
    resumed = load_checkpoint(folder / "ckpt_000024.pt")
    assert resumed["step"] == 24
    assert_same_state(finished["models"]["generator"], resumed["models"]["generator"])
    assert torch.equal(finished["rng"]["torch"], resumed["rng"]["torch"])
    assert (folder / "log.csv").read_text() == log_before  # rows after step 12 replaced, not repeated


def test_gan_resume_continues_exactly(run):
    folder = run / "cycle01" / "gan"
    finished = load_checkpoint(folder / "ckpt_000006.pt")
    cli("gan", "--resume", str(folder / "ckpt_000002.pt"))
    resumed = load_checkpoint(folder / "ckpt_000006.pt")
    for name in ("generator", "critic"):
        assert_same_state(finished["models"][name], resumed["models"][name])
    assert finished["switch_mode"] == resumed["switch_mode"]


def test_feature_loss_is_zero_for_identical_images_and_checks_weights():
    loss = FeatureLoss(feature_network("efficientnet_lite0", "none"), (20.0, 70.0, 10.0))
    x = torch.randn(1, 3, 32, 32)
    assert loss(x, x).item() == 0.0 and loss(x, x + 1).item() > 1.0
    with pytest.raises(ValueError, match="layer_weights"):
        FeatureLoss(loss.features, (1.0, 2.0))


def test_colour_balance_losses_each_see_their_own_fault():
    def cast_loss(output, target):
        return colour_balance_losses(output, target)["cast"]

    def saturation_loss(output, target):
        return colour_balance_losses(output, target)["saturation"]

    def chroma_loss(output, target):
        return colour_balance_losses(output, target)["chroma"]

    torch.manual_seed(0)
    target = torch.randn(2, 3, 16, 16)
    assert cast_loss(target, target) == 0 and chroma_loss(target, target) == 0
    shuffled = target.flatten(2)[..., torch.randperm(256)].view_as(target)  # same colours, other places
    assert cast_loss(shuffled, target) < 1e-6 < chroma_loss(shuffled, target)
    tinted = target + torch.tensor([0.5, 0.2, -0.5]).view(1, 3, 1, 1)  # warmer (orange) everywhere
    assert cast_loss(tinted, target) == pytest.approx(chroma_loss(tinted, target).item(), rel=1e-4)
    assert cast_loss(tinted, target) > 0.05 and saturation_loss(tinted, target) < 1e-6
    mean, std = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1), torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
    grey = ((target * std + mean).mean(1, keepdim=True) - mean) / std  # no colour at all
    assert chroma(grey).abs().max() < 1e-5
    assert saturation_loss(grey, target) == pytest.approx(chroma(target).std((2, 3)).mean().item(), rel=1e-4)


def test_colour_cast_metric_is_the_mean_tint_in_lab():
    rng = np.random.default_rng(0)
    truth = rng.integers(40, 200, (32, 32, 3), dtype=np.uint8)
    orange = np.clip(truth.astype(int) + [20, 5, -20], 0, 255).astype(np.uint8)
    row = compare(Image.fromarray(orange), Image.fromarray(truth))
    assert row["cast_a"] > 0.5 and row["cast_b"] > 10  # redder and yellower
    means = mean_metrics([row, compare(Image.fromarray(truth), Image.fromarray(truth))])
    assert means["cast"] == pytest.approx(math.hypot(row["cast_a"], row["cast_b"]) / 2)


def test_vgg_features_tap_strides_4_8_16():
    shapes = [f.shape[1:] for f in VggFeatures()(torch.randn(1, 3, 64, 64))]
    assert shapes == [(256, 16, 16), (512, 8, 8), (512, 4, 4)]


# --- data --------------------------------------------------------------------------------------

def test_split_holds_out_the_last_tenth():
    files = [Path(f"{i:03d}.jpg") for i in range(20)]
    train, val = split_files(files, 0.1)
    assert val == files[18:] and train == files[:18]
    with pytest.raises(ValueError, match="val_fraction"):
        split_files(files, 1.0)


def test_crappify_is_grey_deterministic_and_degraded(photos):
    img = Image.open(photos / "photo00.jpg").convert("RGB")
    outs = [np.asarray(crappify(img, random.Random(s))) for s in (1, 1, 2)]
    assert outs[0].shape == (64, 80, 3)
    assert (outs[0][..., 0] == outs[0][..., 1]).all() and (outs[0][..., 1] == outs[0][..., 2]).all()
    assert np.array_equal(outs[0], outs[1]) and not np.array_equal(outs[0], outs[2])


def test_step_sampler_is_a_function_of_the_step():
    whole = list(StepSampler(10, 3, seed=7, start=0, stop=9))
    assert list(StepSampler(10, 3, seed=7, start=4, stop=9)) == whole[4:]
    epoch0 = [i for batch in whole[:3] for i, _ in batch]
    assert len(set(epoch0)) == 9  # one epoch: no photo twice


# --- critic and GAN ----------------------------------------------------------------------------

def test_threshold_switch_rule():
    switch = ThresholdSwitch(critic_thresh=0.65)  # DeOldify: gen_thresh None
    assert switch.mode == CRITIC
    assert switch.update(0.9) == CRITIC  # critic keeps training while its loss >= threshold
    assert switch.update(0.65) == CRITIC
    assert switch.update(0.64) == GENERATOR  # below: the generator takes over
    assert switch.update(123.0) == CRITIC  # one generator step, then back, whatever its loss
    switch = ThresholdSwitch(critic_thresh=0.65, gen_thresh=2.0, mode=GENERATOR)
    assert switch.update(2.5) == GENERATOR  # generator keeps training while its loss >= gen_thresh
    assert switch.update(1.5) == CRITIC
    with pytest.raises(ValueError, match="mode"):
        ThresholdSwitch(mode="both")


def test_checkpoint_interval_is_a_fraction_of_the_data():
    cfg = GanConfig(batch_size=8, checkpoint_every=0.001)
    assert checkpoint_interval(cfg, 1_300_000) == 162  # 0.1 % of ImageNet, in batches of 8
    assert checkpoint_interval(cfg, 100) == 1
    with pytest.raises(ValueError, match="checkpoint_every"):
        checkpoint_interval(GanConfig(checkpoint_every=0), 100)


def test_critic_shapes():
    assert Critic(16, 3)(torch.randn(2, 3, 64, 64)).shape == (2, 1)
    with pytest.raises(ValueError, match="minimum 64 px"):
        Critic(16, 3)(torch.randn(1, 3, 32, 32))


def test_critic_pretraining_and_gan_phase_outputs(run):
    cycle = run / "cycle01"
    assert len(list((cycle / "gen_images").glob("*.jpg"))) == N_PHOTOS - 3
    critic_rows = read_log(cycle / "critic" / "log.csv")
    assert all(math.isfinite(r["loss"]) and 0 <= r["accuracy"] <= 1 for r in critic_rows)
    gan_rows = read_log(cycle / "gan" / "log.csv")
    assert {r["gen_share"] for r in gan_rows} == {0.0, 1.0}  # both players trained
    for r in gan_rows:
        assert all(math.isfinite(v) for v in r.values())
        if "gen_loss" in r:
            assert r["gen_loss"] == pytest.approx(r["perceptual"] + 1.5 * r["adversarial"], rel=1e-5)
    steps = [load_checkpoint(p)["step"] for p in numbered_checkpoints(cycle / "gan")]
    assert steps == [0, 2, 4, 6]  # every 0.9 * 9 photos // 4 = 2 steps, plus the incoming generator
    cfg = load_checkpoint(cycle / "gan" / "ckpt_000006.pt")["config"]
    assert cfg["betas"] == (0.0, 0.9) and cfg["critic_lr_factor"] == 5.0


def test_cycle_numbers_the_next_cycle(run):
    cycle = run / "cycle02"
    assert len(list((cycle / "gen_images").glob("*.jpg"))) == N_PHOTOS - 3
    assert numbered_checkpoints(cycle / "critic") and len(numbered_checkpoints(cycle / "gan")) == 2
    ckpt = load_checkpoint(numbered_checkpoints(cycle / "gan")[-1])
    assert ckpt["config"]["cycle"] == 2
    assert str(run / "cycle01" / "gan" / "ckpt_000006.pt") in ckpt["config"]["gen"]


# --- sweep, evaluate, export, push -------------------------------------------------------------

def test_pick_rule_stops_before_orange_skin():
    rows = [dict(psnr=20.0, ssim=0.80, colourfulness=10.0),
            dict(psnr=20.5, ssim=0.81, colourfulness=14.0),  # better and more colourful
            dict(psnr=20.2, ssim=0.80, colourfulness=18.0),  # within tolerance
            dict(psnr=19.5, ssim=0.79, colourfulness=25.0),  # 1 dB below the best: turned
            dict(psnr=21.0, ssim=0.82, colourfulness=30.0)]
    assert pick(rows, psnr_tol=0.5, ssim_tol=0.02) == (2, 3)
    assert pick(rows[:3], psnr_tol=0.5, ssim_tol=0.02) == (2, None)
    duller = [rows[1], dict(psnr=10.0, ssim=0.1, colourfulness=1.0)]  # worse but not more colourful
    assert pick(duller, 0.5, 0.02) == (1, None)


def test_sweep_writes_sheet_metrics_and_pick(run, photos):
    cli("sweep", "--run", str(run), "--cycle", "1", "--data", str(photos), "--val-fraction", "0.25",
        "--render-factor", "3", "--sheet-columns", "2")
    out = run / "cycle01" / "sweep"
    rows = json.loads((out / "metrics.json").read_text())
    assert [r["step"] for r in rows] == [0, 2, 4, 6]
    assert all(math.isfinite(r["psnr"]) and -1 <= r["ssim"] <= 1 for r in rows)
    with Image.open(out / "contact_sheet.png") as sheet:
        assert sheet.size == (120 + 2 * 48, (2 + 4) * 48)  # grey, truth, 4 checkpoints
    chosen = json.loads((out / "pick.json").read_text())
    assert chosen["checkpoint"] in [r["checkpoint"] for r in rows] and "rule" in chosen
    assert (out / "metrics.csv").read_text().startswith("checkpoint,step,psnr,ssim")


def test_evaluate_writes_metrics(run, photos, tmp_path):
    out = tmp_path / "metrics.json"
    cli("evaluate", "--model", str(run / "cycle01" / "gan" / "ckpt_000006.pt"), "--data", str(photos),
        "--render-factor", "3", "--val-fraction", "0.25", "--out", str(out))
    result = json.loads(out.read_text())
    assert result["images"] == 3  # the held-out quarter
    assert result["greyscale_input"]["colourfulness"] == 0.0
    assert result["ground_truth"]["colourfulness"] > 20
    assert result["gap"]["colourfulness"] == pytest.approx(
        result["output"]["colourfulness"] - result["ground_truth"]["colourfulness"])
    assert 0 < result["output"]["psnr"] < 100 and -1 <= result["output"]["ssim"] <= 1
    cast = result["cast"]
    assert cast["length"] == pytest.approx(math.hypot(cast["a"], cast["b"]))


def test_exported_model_colours_through_nogan(run, photos, tmp_path):
    metrics = tmp_path / "m.json"
    metrics.write_text(json.dumps({"output": {"psnr": 21.5}}))
    export = tmp_path / "tiny-nogan"
    cli("export", "--checkpoint", str(run / "cycle01" / "gan" / "ckpt_000006.pt"), "--out", str(export),
        "--metrics", str(metrics), "--photo-render-factor", "4")
    card = (export / "README.md").read_text()
    assert "python -m training pretrain-gen" in card and "python -m training gan" in card and "21.5" in card
    colorizer = Colorizer.from_pretrained(export, device="cpu", precision="fp32")
    assert colorizer.info.name == "tiny-nogan" and colorizer.info.photo_render_factor == 4
    out = np.asarray(colorizer.colorize(photos / "photo11.jpg"), dtype=np.float32)
    assert out.shape == (64, 80, 3)
    assert np.abs(out[..., 0] - out[..., 2]).mean() > 2  # not grey


def test_gan_continues_an_exported_model_with_colour_balance(run, photos, tmp_path):
    export = tmp_path / "exported"
    cli("export", "--checkpoint", str(run / "cycle01" / "gan" / "ckpt_000006.pt"), "--out", str(export),
        "--dtype", "float32")
    root = tmp_path / "more"
    cli("save-gen-images", "--run", str(root), "--data", str(photos), *TINY, "--gen", str(export), "--size", "48")
    cli("pretrain-critic", "--run", str(root), "--data", str(photos), *TINY, *CRITIC_ARGS, "--size", "32",
        "--epochs", "1")
    cli("gan", "--run", str(root), "--data", str(photos), *TINY, *FEATURES, "--size", "32", "--gen", str(export),
        "--epochs", "3", "--checkpoint-every", "0.9", "--cast-weight", "20", "--saturation-weight", "5",
        "--chroma-weight", "2")
    start = load_checkpoint(root / "cycle01" / "gan" / "ckpt_000000.pt")
    # re-normalising the exported (already normalised) weights keeps them: the same colours
    exported = Colorizer.from_pretrained(export, device="cpu", precision="fp32").colorize(photos / "photo11.jpg")
    started = Colorizer(generator_from(start), device="cpu", precision="fp32").colorize(photos / "photo11.jpg")
    difference = np.abs(np.asarray(exported, np.float32) - np.asarray(started, np.float32))
    assert difference.max() <= 2 and difference.mean() < 0.1
    history = start["history"]
    assert history[0].startswith("python -m training pretrain-gen") and "--cast-weight 20" in history[-1]
    for r in read_log(root / "cycle01" / "gan" / "log.csv"):
        if "gen_loss" in r:
            assert r["cast"] > 0 and r["gen_loss"] == pytest.approx(
                r["perceptual"] + 1.5 * r["adversarial"] + 20 * r["cast"] + 5 * r["saturation"] + 2 * r["chroma"],
                rel=1e-5)


def test_average_is_the_mean_generator_of_a_gan_run(run, photos, tmp_path):
    gan_dir = run / "cycle01" / "gan"
    cli("average", "--run", str(run), "--cycle", "1", "--first", "2")
    averaged = load_checkpoint(run / "cycle01" / "average" / "ckpt_000006.pt", "gan")
    assert averaged["averaged"] == [str(gan_dir / f"ckpt_00000{n}.pt") for n in (2, 4, 6)]
    assert averaged["history"][-1] == f"python -m training average --run {run} --cycle 1 --first 2"
    states = [load_checkpoint(gan_dir / f"ckpt_00000{n}.pt")["models"]["generator"] for n in (2, 4, 6)]
    for key, value in averaged["models"]["generator"].items():
        if key.endswith("original"):
            assert torch.allclose(value, sum(s[key] for s in states) / 3, atol=1e-6), key
    # the spectral norms are re-estimated for the averaged weights: each folded decoder weight has norm 1
    generator = generator_from(averaged).eval()
    norms = [torch.linalg.matrix_norm(m.weight.flatten(1), ord=2).item() for m in generator.modules()
             if parametrize.is_parametrized(m, "weight")]
    assert norms and all(abs(n - 1) < 0.02 for n in norms), norms
    out = np.asarray(Colorizer(generator, device="cpu", precision="fp32").colorize(photos / "photo11.jpg"))
    assert out.shape == (64, 80, 3)
    with pytest.raises(ValueError, match="averaging needs at least 2"):
        average.run(AverageConfig(run=str(run), cycle=1, first=6))


def test_push_validates_before_any_network(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="repo_id"):
        push.validate(str(tmp_path), "no-owner")
    with pytest.raises(ValueError, match="does not exist"):
        push.validate(str(tmp_path / "missing"), "me/model")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ValueError, match="model.safetensors, README.md"):
        push.validate(str(tmp_path), "me/model")
    assert main(["push", "--folder", str(tmp_path), "--repo-id", "me/../x"]) == 2


def test_push_uploads_the_folder(tiny_model_dir, tmp_path, monkeypatch):
    folder = tmp_path / "model"
    folder.mkdir()
    for f in tiny_model_dir.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / "README.md").write_text("# tiny\n")
    calls = []

    class FakeApi:
        def create_repo(self, repo_id, **kwargs):
            calls.append(("create_repo", repo_id, kwargs))

        def upload_folder(self, **kwargs):
            calls.append(("upload_folder", kwargs))
            return "https://example.invalid/commit/1"

    monkeypatch.setattr(push, "HfApi", FakeApi)
    assert push.run(PushConfig(folder=str(folder), repo_id="me/tiny", private=True)) == \
        "https://example.invalid/commit/1"
    assert calls[0] == ("create_repo", "me/tiny", {"repo_type": "model", "private": True, "exist_ok": True})
    assert calls[1][1]["folder_path"] == str(folder) and calls[1][1]["repo_id"] == "me/tiny"


# --- configuration and weights -----------------------------------------------------------------

def test_cli_overrides_config_fields():
    name, cfg = parse(["pretrain-gen", "--lr", "1e-3", "--size", "64", "--no-self-attention",
                       "--layer-weights", "1", "2", "3"])
    assert name == "pretrain-gen" and isinstance(cfg, PretrainGenConfig)
    assert (cfg.lr, cfg.size, cfg.self_attention, cfg.layer_weights) == (1e-3, 64, False, (1.0, 2.0, 3.0))
    assert cfg.batch_size == PretrainGenConfig().batch_size
    assert parse(["gan", "--gen-thresh", "none"])[1].gen_thresh is None
    assert parse(["gan", "--gen-thresh", "2.5", "--betas", "0.5", "0.99"])[1].betas == (0.5, 0.99)


def test_recorded_command_reproduces_the_config():
    _, cfg = parse(["gan", "--lr", "3e-5", "--betas", "0.5", "0.99", "--gen-thresh", "1.5"])
    command = command_line("gan", cfg)
    assert command == "python -m training gan --lr 3e-05 --betas 0.5 0.99 --gen-thresh 1.5"
    assert parse(shlex.split(command)[3:]) == ("gan", cfg)
    _, cfg = parse(["pretrain-gen", "--no-self-attention", "--layer-weights", "1", "2", "3"])
    assert parse(shlex.split(command_line("pretrain-gen", cfg))[3:]) == ("pretrain-gen", cfg)


def test_one_cycle_schedule():
    assert one_cycle(0.0, 0.3) == pytest.approx(1 / 25)
    assert one_cycle(0.3, 0.3) == pytest.approx(1.0)
    assert one_cycle(1.0, 0.3) == pytest.approx(1e-5)
    assert one_cycle(0.6, 0.3) < one_cycle(0.4, 0.3) < 1.0


def test_resume_starts_from_the_stored_config(run):
    _, cfg = parse(["pretrain-gen", "--resume", str(run / "gen32" / "ckpt_000012.pt"), "--epochs", "20"])
    assert (cfg.size, cfg.lr, cfg.stage, cfg.epochs) == (32, 3e-3, "gen32", 20.0)


def test_missing_imagenet_weights_give_a_clear_error(photos, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    config = GeneratorConfig(encoder="resnet18", nf_factor=0.25)
    with pytest.raises(WeightsUnavailableError, match="resnet18-f37072fd.pth"):
        build_generator(config, "imagenet")
    assert main(["pretrain-gen", "--encoder", "resnet18", "--encoder-weights", "imagenet",
                 "--data", str(photos), "--run", str(tmp_path)]) == 2
    assert "not in the torch hub cache" in capsys.readouterr().err


def test_encoder_weights_from_a_file(tmp_path):
    donor = build_generator(GeneratorConfig(encoder="efficientnet_lite0", nf_factor=0.25))
    torch.save(donor.encoder.state_dict(), tmp_path / "enc.pth")
    model = build_generator(GeneratorConfig(encoder="efficientnet_lite0", nf_factor=0.25), str(tmp_path / "enc.pth"))
    assert_same_state(donor.encoder.state_dict(), model.encoder.state_dict())
    imagenet = build_generator(GeneratorConfig(encoder="efficientnet_lite0", nf_factor=0.25), "imagenet")
    assert not torch.equal(imagenet.encoder._conv_stem.weight, donor.encoder._conv_stem.weight)
    with pytest.raises(ValueError, match="neither 'none', 'imagenet' nor an existing file"):
        build_generator(GeneratorConfig(encoder="efficientnet_lite0", nf_factor=0.25), "imagenet1k")
