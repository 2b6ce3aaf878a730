"""Building blocks of the DeOldify generator, as plain PyTorch modules.

Inference models hold plain convolutions: spectral and weight normalisation are training-time
reparametrisations, folded into the weights when a checkpoint is loaded or exported
(see `apply_spectral_norm` and `fold_weight_parametrizations`).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize


class ConvBlock(nn.Module):
    """Convolution, ReLU, BatchNorm, then optional self-attention.

    The order (BatchNorm after the ReLU) is DeOldify's "extra BN" variant of fastai's conv layer.
    Without `norm` the convolution has a bias, as in the original.
    """

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int = 3, norm: bool = True,
                 activation: bool = True, self_attention: bool = False):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size, padding=kernel_size // 2, bias=not norm)
        self.act = nn.ReLU(inplace=True) if activation else nn.Identity()
        self.bn = nn.BatchNorm2d(out_ch) if norm else nn.Identity()
        self.attn = SelfAttention(out_ch) if self_attention else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attn(self.bn(self.act(self.conv(x))))


QUERY_CHUNK = 4096  # attention queries computed at a time


class SelfAttention(nn.Module):
    """SAGAN self-attention (Zhang et al. 2018) as fastai v1 wrote it.

    fastai computes softmax(f^T g) over the *query* axis and applies it as h @ beta; that is
    ordinary attention whose queries come from `key`, whose keys come from `query`, with no
    1/sqrt(d) scaling, so it runs as one fused scaled_dot_product_attention call.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.query = nn.Conv1d(channels, channels // 8, 1, bias=False)
        self.key = nn.Conv1d(channels, channels // 8, 1, bias=False)
        self.value = nn.Conv1d(channels, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        flat = x.reshape(b, c, h * w)
        q = self.key(flat).transpose(1, 2)
        k = self.query(flat).transpose(1, 2)
        v = self.value(flat).transpose(1, 2)
        # the values are wider than the keys, so PyTorch materialises all (h w)^2 scores; a few
        # thousand queries at a time keep that to O(h w) memory at high render factors
        out = torch.cat([F.scaled_dot_product_attention(q[:, i:i + QUERY_CHUNK], k, v, scale=1.0)
                         for i in range(0, h * w, QUERY_CHUNK)], dim=1)
        return (self.gamma * out.transpose(1, 2) + flat).reshape(b, c, h, w)


class PixelShuffleUpsample(nn.Module):
    """2x upsampling: 1x1 conv to 4x channels, (BatchNorm), ReLU, pixel shuffle, blur.

    The blur (replication pad then 2x2 average pool, stride 1; Sugawara et al. 2018) removes
    checkerboard artefacts. The original tests `if self.blur:` on a module, which is always true,
    so every upsampling in the published models blurs; we do the same.
    """

    def __init__(self, in_ch: int, out_ch: int, norm: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch * 4, 1, bias=not norm)
        self.bn = nn.BatchNorm2d(out_ch * 4) if norm else nn.Identity()
        self.shuffle = nn.PixelShuffle(2)
        self.pad = nn.ReplicationPad2d((1, 0, 1, 0))
        self.blur = nn.AvgPool2d(2, stride=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.shuffle(F.relu(self.bn(self.conv(x))))
        return self.blur(self.pad(x))


class ResBlock(nn.Module):
    """Two biased conv + ReLU layers with an identity shortcut (fastai's res_block, no norm)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = ConvBlock(channels, channels, norm=False)
        self.conv2 = ConvBlock(channels, channels, norm=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(self.conv1(x))


def icnr_(weight: torch.Tensor, scale: int = 2) -> None:
    """ICNR init (Aitken et al. 2017): every shuffled sub-pixel starts equal, so no checkerboard."""
    out_ch, *rest = weight.shape
    sub = torch.empty(out_ch // scale**2, *rest)
    nn.init.kaiming_normal_(sub)
    with torch.no_grad():
        weight.copy_(sub.repeat_interleave(scale**2, dim=0))


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Spectral-normalise every decoder convolution, as DeOldify trains them (in place)."""
    for m in list(module.modules()):
        if isinstance(m, (nn.Conv1d, nn.Conv2d)) and not parametrize.is_parametrized(m, "weight"):
            nn.utils.parametrizations.spectral_norm(m)
    return module


def fold_weight_parametrizations(module: nn.Module) -> nn.Module:
    """Replace every parametrised weight by its current value (in place), for inference/export."""
    for m in module.modules():
        if parametrize.is_parametrized(m, "weight"):
            parametrize.remove_parametrizations(m, "weight", leave_parametrized=True)
    return module
