"""FillNet set-up for training: ImageNet weights into its encoder; rebuilding from checkpoints."""
from __future__ import annotations

from nogan.restore.fill_net import FillNet, FillNetConfig
from nogan.weights.state_dict import load_strict

from ..config import FillConfig
from ..grey_unet import init_encoder


def fill_net_config(cfg: FillConfig) -> FillNetConfig:
    return FillNetConfig(depth=cfg.depth, decoder_channels=cfg.decoder_channels, fine_channels=cfg.fine_channels)


def build_fill_net(cfg: FillConfig) -> FillNet:
    """A fresh FillNet whose encoder starts from `cfg.encoder_weights` ('none' | 'imagenet' | path).
    The stem's picture plane takes the folded grey ImageNet stem; its mask plane starts at zero."""
    return init_encoder(FillNet(fill_net_config(cfg)), cfg.encoder_weights)


def fill_net_from(ckpt: dict) -> FillNet:
    """The FillNet of a 'fill' checkpoint."""
    net = FillNet(FillNetConfig.from_dict(ckpt["fill_net_config"]))
    load_strict(net, ckpt["models"]["fill_net"], source="fill checkpoint")
    return net
