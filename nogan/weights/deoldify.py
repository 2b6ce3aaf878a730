"""Reading the published DeOldify generator checkpoints (fastai v1 layout) into `UnetGenerator`.

The original saves `DynamicUnetDeep`/`DynamicUnetWide`, an nn.Sequential whose keys are
positional (`layers.N...`). `KEY_TABLE` maps each original prefix to our module; spectral norm
(`weight_orig`/`weight_u`/`weight_v`, or the pre-1.0 `weight_orig`/`weight_u`/`weight`) and
weight norm (`weight_g`/`weight_v`) are folded into plain weights exactly as PyTorch computes
them in eval mode.
"""
from __future__ import annotations

import re

import torch

from ..models import GeneratorConfig

_ENCODER = [("layers.0.0.", "encoder.conv1."), ("layers.0.1.", "encoder.bn1."),
            ("layers.0.4.", "encoder.layer1."), ("layers.0.5.", "encoder.layer2."),
            ("layers.0.6.", "encoder.layer3."), ("layers.0.7.", "encoder.layer4.")]
_MIDDLE = [("layers.1.", "middle_bn."),
           ("layers.3.0.0.", "middle.0.conv."), ("layers.3.0.2.", "middle.0.bn."),
           ("layers.3.1.0.", "middle.1.conv."), ("layers.3.1.2.", "middle.1.bn.")]
# inside each decoder block layers.4 ... layers.7 (-> decoder.0 ... decoder.3)
_BLOCK = [("shuf.conv.0.", "shuf.conv."), ("shuf.conv.1.", "shuf.bn."), ("bn.", "bn."),
          # deep decoder: two convolutions, self-attention after the second
          ("conv1.0.", "convs.0.conv."), ("conv1.2.", "convs.0.bn."),
          ("conv2.0.", "convs.1.conv."), ("conv2.2.", "convs.1.bn."), ("conv2.3.", "convs.1.attn."),
          # wide decoder: one convolution
          ("conv.0.", "convs.0.conv."), ("conv.2.", "convs.0.bn."), ("conv.3.", "convs.0.attn.")]
_HEAD = [("layers.8.conv.0.", "final_shuf.conv."),
         ("layers.10.layers.0.0.", "res.conv1.conv."), ("layers.10.layers.1.0.", "res.conv2.conv."),
         ("layers.11.0.", "head.")]
KEY_TABLE: list[tuple[str, str]] = (
    _ENCODER + _MIDDLE
    + [(f"layers.{4 + i}.{src}", f"decoder.{i}.{dst}") for i in range(4) for src, dst in _BLOCK]
    + _HEAD)


def is_deoldify_state(state: dict) -> bool:
    return any(k.startswith("layers.0.") for k in state)


def _rename(key: str) -> str | None:
    for src, dst in KEY_TABLE:
        if key.startswith(src):
            return dst + key[len(src):]
    return None


def _fold_spectral(orig: torch.Tensor, u: torch.Tensor, v: torch.Tensor | None,
                   normalised: torch.Tensor | None) -> torch.Tensor:
    mat = orig.reshape(orig.shape[0], -1)
    if v is not None:
        sigma = torch.dot(u, torch.mv(mat, v))
    else:  # pre-1.0 layout: PyTorch rebuilds sigma from the stored normalised weight
        sigma = (orig / normalised).mean()
    return orig / sigma


def _fold_weight_norm(g: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return v * (g / v.reshape(v.shape[0], -1).norm(dim=1).reshape(g.shape))


def convert_state_dict(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Original keys -> our keys, normalisations folded. Unknown keys are kept (strict load rejects them)."""
    modules: dict[str, dict[str, torch.Tensor]] = {}
    for key, value in state.items():
        prefix, _, leaf = key.rpartition(".")
        modules.setdefault(prefix, {})[leaf] = value
    out: dict[str, torch.Tensor] = {}
    for prefix, leaves in modules.items():
        leaves = dict(leaves)
        if "weight_orig" in leaves and "weight_u" in leaves:
            orig, u = leaves.pop("weight_orig").float(), leaves.pop("weight_u").float()
            v = leaves.pop("weight_v", None)
            normalised = leaves.pop("weight", None) if v is None else None
            leaves["weight"] = _fold_spectral(orig, u, None if v is None else v.float(), normalised)
        elif "weight_g" in leaves and "weight_v" in leaves:
            leaves["weight"] = _fold_weight_norm(leaves.pop("weight_g").float(), leaves.pop("weight_v").float())
        for leaf, value in leaves.items():
            key = f"{prefix}.{leaf}"
            out[_rename(key) or key] = value
    return out


def infer_config(state: dict[str, torch.Tensor]) -> GeneratorConfig:
    """Which DeOldify generator a bare state dict is, from its tensor shapes alone."""
    layer3_blocks = {int(m.group(1)) for k in state if (m := re.match(r"layers\.0\.6\.(\d+)\.", k))}
    bottleneck = "layers.0.4.0.conv3.weight" in state
    depths = {(False, 2): 18, (False, 6): 34, (True, 6): 50, (True, 23): 101}
    depth = depths.get((bottleneck, len(layer3_blocks)))
    if depth is None:
        raise ValueError("cannot recognise the encoder of this DeOldify checkpoint "
                         f"({len(layer3_blocks)} blocks in layer3, bottleneck={bottleneck})")
    shuf_out = state["layers.4.shuf.conv.0.weight_orig"].shape[0]
    skip_in = state["layers.4.bn.weight"].shape[0]
    if "layers.4.conv1.0.weight_orig" in state:
        decoder, width = "deep", state["layers.4.conv1.0.weight_orig"].shape[0]
        nf_factor = width / (shuf_out // 4 + skip_in)
    else:
        decoder, width = "wide", state["layers.4.conv.0.weight_orig"].shape[0]
        nf_factor = width * 2 / 512
    self_attention = any(k.endswith(".gamma") for k in state)
    return GeneratorConfig(f"resnet{depth}", decoder, round(nf_factor, 4), self_attention)
