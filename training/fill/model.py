"""FillNet set-up for training: ImageNet weights into its encoder; rebuilding from checkpoints."""
from __future__ import annotations

import torch

from nogan.models.encoders import EfficientNetLiteEncoder
from nogan.restore.fill_net import FillNet, FillNetConfig
from nogan.weights.state_dict import load_strict

from ..backbones import load_backbone
from ..config import FillConfig
from ..damage.model import grey_stem


def fill_net_config(cfg: FillConfig) -> FillNetConfig:
    return FillNetConfig(depth=cfg.depth, decoder_channels=cfg.decoder_channels, fine_channels=cfg.fine_channels)


def build_fill_net(cfg: FillConfig) -> FillNet:
    """A fresh FillNet whose encoder starts from `cfg.encoder_weights` ('none' | 'imagenet' | path).
    The stem's picture plane takes the folded grey ImageNet stem; its mask plane starts at zero."""
    net = FillNet(fill_net_config(cfg))
    if cfg.encoder_weights == "none":
        return net
    rgb = load_backbone(EfficientNetLiteEncoder(), "efficientnet_lite0", cfg.encoder_weights)
    state = {k: v for k, v in rgb.state_dict().items() if k in net.encoder.state_dict()}
    state.update(grey_stem(rgb))
    stem = state["_conv_stem.weight"]
    state["_conv_stem.weight"] = torch.cat([stem, torch.zeros_like(stem)], 1)
    load_strict(net.encoder, state, source=f"efficientnet_lite0 weights {cfg.encoder_weights!r}")
    return net


def fill_net_from(ckpt: dict) -> FillNet:
    """The FillNet of a 'fill' checkpoint."""
    net = FillNet(FillNetConfig.from_dict(ckpt["fill_net_config"]))
    load_strict(net, ckpt["models"]["fill_net"], source="fill checkpoint")
    return net
