"""DamageNet set-up for training: ImageNet weights into its grey encoder; rebuilding from checkpoints."""
from __future__ import annotations

import torch

from nogan.models.encoders import EfficientNetLiteEncoder
from nogan.restore.damage_net import DamageNet, DamageNetConfig
from nogan.weights.state_dict import load_strict

from ..backbones import load_backbone
from ..config import DamageConfig
from ..data import IMAGENET_MEAN, IMAGENET_STD


def damage_net_config(cfg: DamageConfig) -> DamageNetConfig:
    return DamageNetConfig(depth=cfg.depth, decoder_channels=cfg.decoder_channels, fine_channels=cfg.fine_channels)


def grey_stem(rgb: EfficientNetLiteEncoder) -> dict[str, torch.Tensor]:
    """The RGB stem's conv and BN as one taking raw grey in [0, 1]: an ImageNet-normalised grey
    image is g * (w_c / s_c) summed over channels minus a constant, which moves into the BN mean."""
    w = rgb._conv_stem.weight.detach()
    scaled = w / IMAGENET_STD.view(1, 3, 1, 1)
    offset = (scaled * IMAGENET_MEAN.view(1, 3, 1, 1)).sum((1, 2, 3))
    return {"_conv_stem.weight": scaled.sum(1, keepdim=True),
            "_bn0.running_mean": rgb._bn0.running_mean + offset}


def build_damage_net(cfg: DamageConfig) -> DamageNet:
    """A fresh DamageNet whose encoder starts from `cfg.encoder_weights` ('none' | 'imagenet' | path)."""
    net = DamageNet(damage_net_config(cfg))
    if cfg.encoder_weights == "none":
        return net
    rgb = load_backbone(EfficientNetLiteEncoder(), "efficientnet_lite0", cfg.encoder_weights)
    state = {k: v for k, v in rgb.state_dict().items() if k in net.encoder.state_dict()}
    state.update(grey_stem(rgb))
    load_strict(net.encoder, state, source=f"efficientnet_lite0 weights {cfg.encoder_weights!r}")
    return net


def damage_net_from(ckpt: dict) -> DamageNet:
    """The DamageNet of a 'damage' checkpoint."""
    net = DamageNet(DamageNetConfig.from_dict(ckpt["damage_net_config"]))
    load_strict(net, ckpt["models"]["damage_net"], source="damage checkpoint")
    return net
