"""DamageNet set-up for training: ImageNet weights into its grey encoder; rebuilding from checkpoints."""
from __future__ import annotations

from nogan.restore.damage_net import DamageNet, DamageNetConfig
from nogan.weights.state_dict import load_strict

from ..config import DamageConfig
from ..grey_unet import init_encoder


def damage_net_config(cfg: DamageConfig) -> DamageNetConfig:
    return DamageNetConfig(depth=cfg.depth, decoder_channels=cfg.decoder_channels, fine_channels=cfg.fine_channels)


def build_damage_net(cfg: DamageConfig) -> DamageNet:
    """A fresh DamageNet whose encoder starts from `cfg.encoder_weights` ('none' | 'imagenet' | path)."""
    return init_encoder(DamageNet(damage_net_config(cfg)), cfg.encoder_weights)


def damage_net_from(ckpt: dict) -> DamageNet:
    """The DamageNet of a 'damage' checkpoint."""
    net = DamageNet(DamageNetConfig.from_dict(ckpt["damage_net_config"]))
    load_strict(net, ckpt["models"]["damage_net"], source="damage checkpoint")
    return net
