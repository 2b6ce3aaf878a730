"""Configuration of every subcommand, as flat dataclasses.

Each field is a command-line option of the same name (`nf_factor` -> `--nf-factor`); the
resolved config is stored in every checkpoint, and `--resume` starts from the stored one.
Shared groups of fields are mixins, so one name means the same thing in every phase.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass, fields

PRECISIONS = ("auto", "bf16", "fp16", "fp32")


@dataclass
class RunArgs:
    """Where a phase reads and writes, and how it runs."""

    run: str = "runs/nogan"  # run directory: every phase writes into a sub-folder of it
    data: str = "../shared/data/photos"  # folder of colour photos
    val_fraction: float = 0.1  # files sorting into this last fraction are held out for validation
    size: int = 64  # training crop size in pixels
    batch_size: int = 16
    workers: int = 2  # DataLoader worker processes
    seed: int = 42
    device: str = "auto"  # 'auto' (cuda when present), 'cpu', 'cuda', 'cuda:1', ...
    precision: str = "auto"  # 'auto' = bf16 (or fp16) autocast on GPU, fp32 on CPU
    resume: str = ""  # checkpoint of this phase to continue from
    log_every: int = 10  # steps between progress-bar and CSV log rows


@dataclass
class GeneratorArgs:
    """The generator's shape (see nogan.models.GeneratorConfig) and its encoder's initial weights."""

    encoder: str = "resnet34"
    decoder: str = "deep"
    nf_factor: float = 1.5
    self_attention: bool = True
    encoder_weights: str = "imagenet"  # 'none', 'imagenet' or a path


@dataclass
class LossArgs:
    """Perceptual loss: L1 on pixels + weighted L1 on features of a frozen ImageNet network."""

    feature_net: str = "vgg16_bn"  # 'vgg16_bn' or 'efficientnet_lite0'
    feature_weights: str = "imagenet"  # 'none', 'imagenet' or a path
    layer_weights: tuple[float, ...] = (20.0, 70.0, 10.0)  # one per feature stride 4, 8, 16


@dataclass
class CriticArgs:
    """DeOldify's critic (`custom_gan_critic`): width of the first layer, stride-2 blocks, dropout."""

    critic_nf: int = 256
    critic_blocks: int = 3
    critic_dropout: float = 0.15


@dataclass
class PretrainGenConfig(LossArgs, GeneratorArgs, RunArgs):
    """One progressive-resizing stage of generator pretraining (perceptual loss only)."""

    stage: str = "gen64"  # sub-folder of the run for this stage's checkpoints and log
    init: str = ""  # generator checkpoint of the previous stage (weights only, fresh optimiser)
    epochs: float = 1.0  # passes over the training photos (fractions allowed)
    freeze_epochs: float = 1.0  # the encoder is frozen for these first epochs
    lr: float = 1e-3  # while the encoder is frozen
    finetune_lr: float = 3e-4  # decoder learning rate once the encoder is unfrozen
    early_lr_ratio: float = 1e-3  # the earliest encoder layers learn at finetune_lr * this
    weight_decay: float = 1e-3
    pct_start: float = 0.3  # one-cycle schedule: fraction of each phase spent warming up
    save_every: int = 500  # steps between checkpoints (one is always written at the end)


@dataclass
class SaveGenImagesConfig(RunArgs):
    """Colour the training photos with a generator, as the critic's "fake" class."""

    gen: str = ""  # generator checkpoint
    cycle: int = 1
    size: int = 192  # generated images have this short side
    max_images: int = 0  # 0 = every training photo


@dataclass
class PretrainCriticConfig(CriticArgs, RunArgs):
    """Train the critic to tell real photos from the generated ones of the same cycle."""

    cycle: int = 1
    init: str = ""  # critic checkpoint to continue from (a previous cycle's)
    epochs: float = 1.0
    lr: float = 1e-3
    weight_decay: float = 1e-3
    save_every: int = 500


@dataclass
class GanConfig(CriticArgs, LossArgs, RunArgs):
    """The short NoGAN phase: generator and critic in turns, switched by loss thresholds."""

    cycle: int = 1
    gen: str = ""  # generator checkpoint (pretrained, or the previous cycle's GAN)
    critic: str = ""  # critic checkpoint; default: the last one of this cycle's pretrain-critic
    epochs: float = 0.01  # NoGAN's GAN phase is short: a few percent of the data at most
    lr: float = 2e-5  # generator learning rate
    critic_lr_factor: float = 5.0  # TTUR: the critic learns this much faster
    betas: tuple[float, float] = (0.0, 0.9)
    perceptual_weight: float = 1.0
    adversarial_weight: float = 1.5
    cast_weight: float = 0.0  # > 0: penalise a tint of each whole output (losses.colour_balance_losses "cast")
    saturation_weight: float = 0.0  # > 0: penalise too much or too little colour ("saturation")
    chroma_weight: float = 0.0  # > 0: penalise chroma errors pixel by pixel ("chroma")
    critic_thresh: float = 0.65  # the critic trains until its loss is below this
    gen_thresh: float | None = None  # the generator trains until its loss is below this; None: one step
    weight_decay: float = 1e-3
    checkpoint_every: float = 0.001  # fraction of the training photos seen between checkpoints


@dataclass
class CycleConfig(GanConfig):
    """Steps 2-4 again (generated images, critic pretraining, GAN phase) as the next cycle."""

    cycle: int = 0  # 0 = the cycle after the last one in the run
    gen_size: int = 192  # short side of the generated images
    max_images: int = 0
    critic_epochs: float = 1.0
    critic_lr: float = 1e-4  # later cycles fine-tune the previous critic, so a lower rate
    save_every: int = 500


@dataclass
class AverageConfig:
    """The mean of the generator weights of a run of one GAN phase's checkpoints."""

    run: str = "runs/nogan"
    cycle: int = 0  # 0 = the last cycle in the run
    first: int = 0  # the first step whose checkpoint is averaged
    last: int = 0  # the last one; 0 = up to the phase's last checkpoint


@dataclass
class SweepConfig:
    """Score every checkpoint of a GAN phase on fixed validation photos and pick one."""

    run: str = "runs/nogan"
    cycle: int = 0  # 0 = the last cycle in the run
    data: str = "../shared/data/photos"
    val_fraction: float = 0.1
    max_images: int = 16
    render_factor: int = 12  # the model sees render_factor * 16 px (12: 192 px)
    sheet_columns: int = 8  # images shown per checkpoint in the contact sheet
    psnr_tol: float = 0.5  # dB below the best so far that counts as a drop
    ssim_tol: float = 0.02
    device: str = "auto"


@dataclass
class EvaluateConfig:
    """PSNR, SSIM and colourfulness of a model's colourings of a folder of colour photos."""

    model: str = ""  # a nogan model folder or a training checkpoint
    data: str = ""  # folder of colour photos
    val_fraction: float = 0.0  # > 0: only the held-out files sorting into this last fraction
    out: str = "metrics.json"
    max_images: int = 0  # 0 = all
    render_factor: int = 16  # the model sees render_factor * 16 px, as in nogan (16: 256 px)
    device: str = "auto"


@dataclass
class ExportConfig:
    """A generator checkpoint -> a nogan model folder with a model card."""

    checkpoint: str = ""
    out: str = ""
    name: str = ""  # default: the output folder's name
    photo_render_factor: int = 35
    video_render_factor: int = 21
    dtype: str = "float16"  # 'float16', 'bfloat16' or 'float32'
    metrics: str = ""  # optional JSON from `evaluate` to put in the model card


@dataclass
class PushConfig:
    """Upload an exported model folder to a Hugging Face Hub model repo."""

    folder: str = ""
    repo_id: str = ""  # 'owner/name'
    private: bool = False
    message: str = "Upload NoGAN colorization model"


@dataclass
class GreyUNetArgs(RunArgs):
    """What the trainers of the restoration networks over a GreyUNet (damage, fill) share."""

    size: int = 128
    batch_size: int = 8
    depth: int = 4  # encoder stages
    decoder_channels: tuple[int, ...] = (96, 64, 32, 24)
    fine_channels: int = 16
    encoder_weights: str = "imagenet"  # 'none', 'imagenet' or a path (EfficientNet-Lite0 names)
    init: str = ""  # checkpoint of this network to start from (weights only, fresh optimiser)
    epochs: float = 10.0
    lr: float = 1e-3
    encoder_lr_ratio: float = 0.3  # the pretrained encoder learns at lr * this
    frozen_stages: int = 0  # the first encoder stages keep their initial weights (a CPU saving)
    weight_decay: float = 1e-4
    pct_start: float = 0.05
    val_images: int = 16  # held-out photos scored at every checkpoint
    save_every: int = 200


@dataclass
class DamageConfig(GreyUNetArgs):
    """Train DamageNet to segment procedural old-photo damage (training/damage/synth.py)."""

    run: str = "runs/damage"  # checkpoints, log.csv and best.pt go straight into this folder
    size: int = 192
    init: str = ""  # damage checkpoint or exported model folder to start from (weights only, fresh optimiser)
    frozen_stages: int = 2  # the first encoder stages keep their initial weights (a CPU saving)
    dice_weight: float = 1.0  # loss = BCE + dice_weight * soft dice
    # px beside true damage where the loss ignores the answer: the repair fills a px around what is
    # found anyway and F1 is scored with 1 px tolerance, so exact edges need not be learnt
    tolerance: int = 0
    clean_prob: float = 0.1  # fraction of samples with ageing but no damage
    val_images: int = 24  # held-out photos scored (F1, 1-px tolerance) at every checkpoint


@dataclass
class DamageEvaluateConfig:
    """Damage-mask F1 (1-pixel tolerance) of a damage checkpoint or folder on held-out photos."""

    model: str = ""  # a damage checkpoint (.pt) or an exported folder
    data: str = "../shared/data/photos"
    val_fraction: float = 0.1
    max_images: int = 0  # 0 = all held-out photos
    seed: int = 1234  # damage of image i is drawn from (seed, i)
    thresholds: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5)
    out: str = ""  # optional JSON file for the result
    device: str = "auto"


@dataclass
class DamageExportConfig:
    """A damage checkpoint -> a DamageNet folder (model.safetensors, config.json)."""

    checkpoint: str = ""
    out: str = "nogan/restore/weights/damage"
    name: str = "damage"
    threshold: float = 0.5  # stored as the model's default mask threshold
    dtype: str = "float16"  # 'float16', 'bfloat16' or 'float32'


@dataclass
class FillConfig(GreyUNetArgs):
    """Train FillNet to fill procedural wide holes (training/fill/masks.py) in grey photos."""

    run: str = "runs/fill"  # checkpoints, log.csv and best.pt go straight into this folder
    decoder_channels: tuple[int, ...] = (64, 48, 32, 24)
    edge_weight: float = 1.0  # loss = L1 in the holes + edge_weight * L1 of the image gradients there
    val_images: int = 16  # held-out photos scored (PSNR in the holes) at every checkpoint


@dataclass
class FillEvaluateConfig:
    """PSNR and SSIM inside wide holes on held-out photos: Telea, FSR and a fill checkpoint or folder."""

    model: str = ""  # a fill checkpoint (.pt) or an exported folder
    data: str = "../shared/data/photos"
    val_fraction: float = 0.1
    max_images: int = 0  # 0 = all held-out photos
    seed: int = 1234  # holes of image i are drawn from (seed, i)
    sheet: str = ""  # optional PNG: crops of damaged / Telea / FSR / learned / truth side by side
    out: str = ""  # optional JSON file for the result
    device: str = "auto"


@dataclass
class FillExportConfig:
    """A fill checkpoint -> a FillNet folder (model.safetensors, config.json)."""

    checkpoint: str = ""
    out: str = "runs/fill/export"
    name: str = "fill"
    dtype: str = "float16"  # 'float16', 'bfloat16' or 'float32'


def command_line(subcommand: str, cfg) -> str:
    """The `python -m training` command that reproduces `cfg` (options differing from defaults).

    Booleans are `--flag` / `--no-flag`, tuples are space-separated values, as the CLI parses them.
    """
    defaults = type(cfg)()
    parts = ["python -m training", subcommand]
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        if f.name == "resume" or value == getattr(defaults, f.name):
            continue
        flag = "--" + f.name.replace("_", "-")
        if isinstance(value, bool):
            parts.append(flag if value else "--no-" + flag[2:])
        elif isinstance(value, tuple):
            parts += [flag, *map(str, value)]
        else:
            parts += [flag, shlex.quote(str(value))]
    return " ".join(parts)
