"""The generator as DeOldify trains it: nogan's `UnetGenerator` with ICNR-initialised
pixel-shuffle convolutions and spectral norm on every decoder convolution (not the encoder's).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import parametrize

from nogan.models import GeneratorConfig, UnetGenerator, apply_spectral_norm
from nogan.models.layers import PixelShuffleUpsample, icnr_

from .backbones import load_backbone
from .config import GeneratorArgs


def decoder_modules(model: UnetGenerator) -> list[nn.Module]:
    """Everything but the encoder: what is trained from scratch."""
    return [model.middle_bn, model.middle, model.decoder, model.final_shuf, model.res, model.head]


def generator_config(args: GeneratorArgs) -> GeneratorConfig:
    return GeneratorConfig(encoder=args.encoder, decoder=args.decoder, nf_factor=args.nf_factor,
                           self_attention=args.self_attention)


def build_generator(config: GeneratorConfig, encoder_weights: str = "none") -> UnetGenerator:
    """A trainable generator; `encoder_weights` is 'none', 'imagenet' or a state-dict path."""
    model = UnetGenerator(config)
    load_backbone(model.encoder, config.encoder, encoder_weights)
    for m in model.modules():
        if isinstance(m, PixelShuffleUpsample):
            icnr_(m.conv.weight)
    for m in decoder_modules(model):
        apply_spectral_norm(m)
    return model


def set_encoder_frozen(model: UnetGenerator, frozen: bool) -> None:
    """Freeze the encoder's weights; its BatchNorm layers keep training, as fastai's `train_bn` does."""
    for m in model.encoder.modules():
        trainable = not frozen or isinstance(m, nn.modules.batchnorm._BatchNorm)
        for p in m.parameters(recurse=False):
            p.requires_grad_(trainable)


def param_groups(model: UnetGenerator) -> list[list[nn.Parameter]]:
    """[early encoder, late encoder, decoder]: the first half of the encoder's parameter tensors
    (for ResNets about DeOldify's split at layer3), the rest, and everything else."""
    encoder = list(model.encoder.parameters())
    half = len(encoder) // 2
    decoder = [p for m in decoder_modules(model) for p in m.parameters()]
    return [encoder[:half], encoder[half:], decoder]


def group_lrs(lr: float, early_ratio: float) -> list[float]:
    """Learning rates of `param_groups`, geometric from lr * early_ratio up to lr (fastai's slice)."""
    if not 0 < early_ratio <= 1:
        raise ValueError(f"early_lr_ratio={early_ratio} must be in (0, 1]")
    return [lr * early_ratio, lr * early_ratio ** 0.5, lr]


def settle_spectral_norms(model: nn.Module, iterations: int = 100) -> nn.Module:
    """Run `iterations` power-iteration steps on every spectral norm of `model` (in place), for
    weights that did not get them while training: averaged ones, or ones loaded from an export.
    The vectors stored with a checkpoint belong to its own weights, and torch's 15 steps at
    registration leave the norm of a fresh weight a few per cent off."""
    mode = model.training
    model.train()
    with torch.no_grad():
        for _ in range(iterations):
            for m in model.modules():
                if parametrize.is_parametrized(m, "weight"):
                    m.weight  # in training mode, reading the weight runs one power-iteration step
    return model.train(mode)
