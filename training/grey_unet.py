"""Training set-up shared by the restoration networks over `nogan.models.grey_unet.GreyUNet`
(the damage model and the fill model): ImageNet weights into their grey encoder, and an optimiser
that leaves the first encoder stages frozen and lets the rest of the encoder learn more slowly."""
from __future__ import annotations

import torch
from torch import nn

from nogan.models.encoders import EfficientNetLiteEncoder
from nogan.models.grey_unet import GreyUNet
from nogan.weights.state_dict import load_strict

from .backbones import load_backbone
from .data import IMAGENET_MEAN, IMAGENET_STD


def grey_stem(rgb: EfficientNetLiteEncoder) -> dict[str, torch.Tensor]:
    """The RGB stem's conv and BN as one taking raw grey in [0, 1]: an ImageNet-normalised grey
    image is g * (w_c / s_c) summed over channels minus a constant, which moves into the BN mean."""
    w = rgb._conv_stem.weight.detach()
    scaled = w / IMAGENET_STD.view(1, 3, 1, 1)
    offset = (scaled * IMAGENET_MEAN.view(1, 3, 1, 1)).sum((1, 2, 3))
    return {"_conv_stem.weight": scaled.sum(1, keepdim=True),
            "_bn0.running_mean": rgb._bn0.running_mean + offset}


def init_encoder(net: GreyUNet, weights: str) -> GreyUNet:
    """`net` with its encoder started from EfficientNet-Lite0 `weights` ('none' | 'imagenet' | a
    path): the stem's first plane (the picture) takes the folded grey ImageNet stem, any further
    planes (masks) start at zero."""
    if weights == "none":
        return net
    rgb = load_backbone(EfficientNetLiteEncoder(), "efficientnet_lite0", weights)
    state = {k: v for k, v in rgb.state_dict().items() if k in net.encoder.state_dict()}
    state.update(grey_stem(rgb))
    stem = state["_conv_stem.weight"]
    extra = net.encoder._conv_stem.in_channels - 1
    state["_conv_stem.weight"] = torch.cat([stem, stem.new_zeros(stem.shape[0], extra, *stem.shape[2:])], 1)
    load_strict(net.encoder, state, source=f"efficientnet_lite0 weights {weights!r}")
    return net


def optimizer_for(net: GreyUNet, lr: float, encoder_lr_ratio: float, weight_decay: float,
                  frozen_stages: int) -> tuple[torch.optim.AdamW, list[float], nn.Module]:
    """(AdamW over the encoder, learning at lr * encoder_lr_ratio, and the rest at lr; those two
    base rates; the frozen first `frozen_stages` encoder stages, kept in eval mode so their
    BatchNorm statistics stay too — put them back in eval after anything that calls `train()`)."""
    frozen = net.encoder.stages(frozen_stages)
    frozen.requires_grad_(False)
    frozen.eval()
    encoder = [p for p in net.encoder.parameters() if p.requires_grad]
    rest = [p for n, p in net.named_parameters() if not n.startswith("encoder.")]
    optimizer = torch.optim.AdamW([{"params": encoder}, {"params": rest}], lr=lr, weight_decay=weight_decay)
    return optimizer, [lr * encoder_lr_ratio, lr], frozen
