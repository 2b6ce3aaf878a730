"""DeOldify's critic (`custom_gan_critic`): a patch classifier of real vs generated colour photos.

Every convolution is spectral-normalised and followed by LeakyReLU(0.2); dropout follows the
stride-1 convolutions; the first stride-2 block ends in self-attention. The output is a map of
logits (one per patch, 1x1 at 64 px with 3 blocks), averaged by `losses.critic_loss`.
"""
from __future__ import annotations

import torch
from torch import nn

from nogan.models.layers import SelfAttention


def _conv(cin: int, cout: int, kernel: int, stride: int, self_attention: bool = False) -> nn.Sequential:
    conv = nn.utils.parametrizations.spectral_norm(nn.Conv2d(cin, cout, kernel, stride, padding=(kernel - 1) // 2))
    layers = [conv, nn.LeakyReLU(0.2, inplace=True)]
    if self_attention:
        attn = SelfAttention(cout)
        for m in (attn.query, attn.key, attn.value):
            nn.utils.parametrizations.spectral_norm(m)
        layers.append(attn)
    return nn.Sequential(*layers)


class Critic(nn.Sequential):
    """Input: ImageNet-normalised RGB (N, 3, H, W), H and W at least `min_size` = 8 * 2**n_blocks.

    Output: (N, P) patch logits, P = 1 for inputs of exactly `min_size`.
    """

    def __init__(self, nf: int = 256, n_blocks: int = 3, dropout: float = 0.15):
        if nf < 8 or n_blocks < 1 or not 0 <= dropout < 1:
            raise ValueError(f"critic nf={nf} (>= 8), n_blocks={n_blocks} (>= 1), "
                             f"dropout={dropout} (in [0, 1)) out of range")
        layers = [_conv(3, nf, 4, 2), nn.Dropout2d(dropout / 2)]
        for i in range(n_blocks):
            layers += [_conv(nf, nf, 3, 1), nn.Dropout2d(dropout), _conv(nf, nf * 2, 4, 2, self_attention=i == 0)]
            nf *= 2
        final = nn.utils.parametrizations.spectral_norm(nn.Conv2d(nf, 1, 4, bias=False))
        layers += [_conv(nf, nf, 3, 1), final, nn.Flatten()]
        super().__init__(*layers)
        self.min_size = 2 ** (n_blocks + 1) * 4

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if min(x.shape[-2:]) < self.min_size:
            raise ValueError(f"critic input {tuple(x.shape[-2:])} is smaller than its minimum "
                             f"{self.min_size} px (fewer critic_blocks allow smaller crops)")
        return super().forward(x)
