"""Deterministic stand-in weights for a generator, built from its key manifest.

The published DeOldify checkpoints cannot be downloaded everywhere (tests, CI, benchmarks), so
these weights take their place: every value depends only on the tensor's key and shape, which is
what lets `tests/reference/` record the original implementation's outputs for them.

A manifest lists a state dict's tensors in order, one per line: `key<TAB>AxBxC<TAB>dtype`
(`#` starts a comment). With z = `numpy.random.RandomState(crc32(key)).standard_normal(shape)`
in float32, each tensor is, by its last key part:

    int64 (num_batches_tracked)       zeros
    running_mean                      0.1 z
    running_var                       0.5 + 0.5 |z|
    gamma (self-attention)            0.8 + 0.1 z
    bias                              0.05 z
    weight, 1-D (norm layers)         1 + 0.1 z
    weight, weight_orig, weight_v     z / sqrt(fan_in), fan_in = prod(shape[1:])
      with >= 2 dims
    weight_g (weight norm)            the L2 norm of its weight_v over all dims but the first
    weight_u, weight_v of spectral    one power iteration in float64 on W = weight_orig as (out, -1):
      norm (1-D, beside weight_orig)  u0 = z_u / |z_u|, v = W^T u0 / |W^T u0|, u = W v / |W v|
"""
from __future__ import annotations

import zlib
from collections import OrderedDict
from os import PathLike
from typing import NamedTuple

import numpy as np
import torch


class TensorSpec(NamedTuple):
    key: str
    shape: tuple[int, ...]
    dtype: str


def read_manifest(path: str | PathLike) -> list[TensorSpec]:
    """The tensors a manifest file lists, in order."""
    specs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            key, shape, dtype = line.rstrip("\n").split("\t")
            specs.append(TensorSpec(key, tuple(int(n) for n in shape.split("x")) if shape else (), dtype))
    return specs


def _normal(key: str, shape: tuple[int, ...]) -> np.ndarray:
    rng = np.random.RandomState(zlib.crc32(key.encode()))
    return rng.standard_normal(shape).astype(np.float32).reshape(shape)


def _fan_in_scaled(key: str, shape: tuple[int, ...]) -> np.ndarray:
    return _normal(key, shape) * np.float32(np.sqrt(1.0 / np.prod(shape[1:])))


def _spectral_vectors(weight: np.ndarray, u_key: str, u_shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(u, v) after one power iteration from a seeded u, as PyTorch's spectral norm keeps them."""
    w = weight.astype(np.float64).reshape(weight.shape[0], -1)
    u = _normal(u_key, u_shape).astype(np.float64)
    u /= np.linalg.norm(u)
    v = w.T @ u
    v /= np.linalg.norm(v)
    u = w @ v
    u /= np.linalg.norm(u)
    return u.astype(np.float32), v.astype(np.float32)


def synthetic_state_dict(specs: list[TensorSpec]) -> OrderedDict[str, torch.Tensor]:
    """A state dict with the manifest's keys, shapes and order, filled by the rules above."""
    keys = {spec.key for spec in specs}
    values: dict[str, np.ndarray] = {}
    derived = []  # weight_g and spectral-norm vectors: computed from their weights, once those exist
    for key, shape, dtype in specs:
        prefix, _, leaf = key.rpartition(".")
        spectral = f"{prefix}.weight_orig" in keys
        if dtype == "int64":
            values[key] = np.zeros(shape, np.int64)
        elif leaf == "running_mean":
            values[key] = 0.1 * _normal(key, shape)
        elif leaf == "running_var":
            values[key] = 0.5 + 0.5 * np.abs(_normal(key, shape))
        elif leaf == "gamma":
            values[key] = 0.8 + 0.1 * _normal(key, shape)
        elif leaf == "bias":
            values[key] = 0.05 * _normal(key, shape)
        elif leaf in ("weight", "weight_orig", "weight_v") and len(shape) >= 2:
            values[key] = _fan_in_scaled(key, shape)
        elif leaf == "weight" and len(shape) == 1:
            values[key] = 1.0 + 0.1 * _normal(key, shape)
        elif leaf == "weight_g" or (leaf in ("weight_u", "weight_v") and spectral):
            derived.append((key, shape))
        else:
            raise ValueError(f"no rule for {key} of shape {shape} and dtype {dtype}")
    for key, shape in derived:
        prefix, _, leaf = key.rpartition(".")
        if leaf == "weight_g":
            v = values[f"{prefix}.weight_v"].astype(np.float64)
            values[key] = np.sqrt((v.reshape(v.shape[0], -1) ** 2).sum(1)).reshape(shape).astype(np.float32)
        elif leaf == "weight_u":
            values[key], values[f"{prefix}.weight_v"] = _spectral_vectors(values[f"{prefix}.weight_orig"], key,
                                                                          shape)
    return OrderedDict((spec.key, torch.from_numpy(values[spec.key])) for spec in specs)


def save_synthetic_checkpoint(manifest: str | PathLike, dst: str | PathLike) -> None:
    """Write the synthetic weights of `manifest` to `dst` as a plain `.pth` state dict, as the
    published checkpoints are."""
    torch.save(synthetic_state_dict(read_manifest(manifest)), dst)
