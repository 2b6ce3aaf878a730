"""Reading ncnn models (a .param text graph and a .bin weight file) into numpy, and copying their
weights into an equivalent PyTorch module.

The format (ncnn wiki, "param and model file structure"):

- ``.param``: the magic number 7767517; ``layer_count blob_count``; then one line per layer:
  ``type name bottom_count top_count bottom... top... key=value...``. A key ``-23300-k`` holds an
  array for key ``k``, its first element the length: ``-23310=1,2.0e-01`` is key 10 = [0.2].
- ``.bin``: the weights of every layer that has any, in layer order, back to back. Convolution
  weights start with a 4-byte storage tag (fp16 or fp32; fp16 is padded to 4 bytes); convolution
  biases and PReLU slopes are raw fp32 without a tag.

Only what the Real-ESRGAN models use is supported; anything else is refused by name, so a model
is never half-read.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch
from torch import nn

MAGIC = 7767517
TAG_FP16 = 0x01306B47
TAG_FP32 = 0x00000000
TAG_FP32_SCALED = 0x0002C056  # fp32 written by newer converters; read the same way
ARRAY_KEY_BASE = -23300
LAYERS_WITHOUT_WEIGHTS = {"Input", "Split", "Concat", "Eltwise", "Interp", "PixelShuffle", "BinaryOp"}


@dataclass
class Layer:
    """One layer of an ncnn graph; ``weights`` holds "weight"/"bias" (Convolution) or "slope" (PReLU)."""

    type: str
    name: str
    bottoms: list[str]
    tops: list[str]
    params: dict[int, int | float | list[float]]
    weights: dict[str, np.ndarray] = field(default_factory=dict)


def read_ncnn(param_path: str | Path, bin_path: str | Path) -> list[Layer]:
    """The layers of an ncnn model, with their weights as float32 numpy arrays."""
    layers = _read_param(Path(param_path))
    with open(bin_path, "rb") as f:
        for layer in layers:
            layer.weights = _read_weights(f, layer)
        if f.read(1):
            raise ValueError(f"{bin_path}: bytes left over after the last layer's weights")
    return layers


def _read_param(path: Path) -> list[Layer]:
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    if not lines or lines[0] != [str(MAGIC)]:
        raise ValueError(f"{path}: not an ncnn .param file (the first line is not {MAGIC})")
    layer_count = int(lines[1][0])
    layers = []
    for fields in lines[2:]:
        kind, name, n_in, n_out = fields[0], fields[1], int(fields[2]), int(fields[3])
        ends = fields[4:4 + n_in + n_out]
        params = dict(_parse_param(item) for item in fields[4 + n_in + n_out:])
        layers.append(Layer(kind, name, ends[:n_in], ends[n_in:], params))
    if len(layers) != layer_count:
        raise ValueError(f"{path}: header says {layer_count} layers, file has {len(layers)}")
    return layers


def _parse_param(item: str) -> tuple[int, int | float | list[float]]:
    key, value = item.split("=", 1)
    k = int(key)
    if k <= ARRAY_KEY_BASE:
        values = [float(v) for v in value.split(",")]
        return ARRAY_KEY_BASE - k, values[1:1 + int(values[0])]
    number = float(value) if any(c in value for c in ".eE") else int(value)
    return k, number


def _read_weights(f: BinaryIO, layer: Layer) -> dict[str, np.ndarray]:
    p = layer.params
    if layer.type == "Convolution":
        if p.get(7, 1) != 1 or p.get(2, 1) != 1 or p.get(3, 1) != 1:
            raise ValueError(f"layer {layer.name}: grouped, dilated or strided convolutions are not supported")
        out_ch, kw = p[0], p.get(1, 1)
        kh = p.get(11, kw)
        weight = _read_tagged(f, p[6], layer.name).reshape(out_ch, -1, kh, kw)
        weights = {"weight": weight}
        if p.get(5, 0):
            weights["bias"] = _read_fp32(f, out_ch)
        return weights
    if layer.type == "PReLU":
        return {"slope": _read_fp32(f, p.get(0, 0))}
    if layer.type in LAYERS_WITHOUT_WEIGHTS:
        return {}
    raise ValueError(f"layer {layer.name}: ncnn layer type {layer.type!r} is not supported")


def _read_tagged(f: BinaryIO, count: int, name: str) -> np.ndarray:
    (tag,) = struct.unpack("<I", f.read(4))
    if tag == TAG_FP16:
        data = np.frombuffer(f.read(2 * count), "<f2").astype(np.float32)
        f.read(-2 * count % 4)
        return data
    if tag in (TAG_FP32, TAG_FP32_SCALED):
        return _read_fp32(f, count)
    raise ValueError(f"layer {name}: weight storage tag {tag:#010x} (int8 or quantised) is not supported")


def _read_fp32(f: BinaryIO, count: int) -> np.ndarray:
    data = f.read(4 * count)
    if len(data) != 4 * count:
        raise ValueError("the .bin file ends before the weights the .param file describes")
    return np.frombuffer(data, "<f4").copy()


def load_into(model: nn.Module, layers: list[Layer]) -> nn.Module:
    """Copy Convolution and PReLU weights, in graph order, into ``model``'s Conv2d and PReLU modules
    in definition order. The model must define its modules in the order the graph runs them."""
    targets = {
        "Convolution": [m for m in model.modules() if isinstance(m, nn.Conv2d)],
        "PReLU": [m for m in model.modules() if isinstance(m, nn.PReLU)],
    }
    for kind, modules in targets.items():
        sources = [layer for layer in layers if layer.type == kind]
        if len(sources) != len(modules):
            raise ValueError(f"the ncnn model has {len(sources)} {kind} layers, "
                             f"{type(model).__name__} has {len(modules)}")
        for layer, module in zip(sources, modules):
            for key, array in layer.weights.items():
                target = module.bias if key == "bias" else module.weight
                if target is None or tuple(target.shape) != array.shape:
                    got = None if target is None else tuple(target.shape)
                    raise ValueError(f"layer {layer.name}: {key} of shape {array.shape} does not fit {got}")
                with torch.no_grad():
                    target.copy_(torch.from_numpy(array))
    return model
