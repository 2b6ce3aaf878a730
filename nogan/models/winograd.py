"""fp32 3x3 convolutions by Winograd's minimal filtering F(4x4, 3x3) (Lavin and Gray, 2016), for CPUs.

A direct 3x3 convolution makes 9 multiply-adds per input channel and output pixel; F(4x4, 3x3)
makes 36 per 4x4 output tile, 2.25, plus linear transforms of the input tiles and the results.
The multiplications become 36 matrix products over the channels, one per point of the 6x6
transformed tile. GPU libraries choose this themselves; PyTorch's CPU convolutions do not. On
this project's CPU it makes the fp32 generators about 1.4x faster, within 1e-5 of the direct
result. In bf16 the transforms' rounding is amplified about 20-fold, so bf16 stays direct.
"""
from __future__ import annotations

import torch
from torch import nn

# F(4x4, 3x3) with interpolation points 0, +-1, +-2 and infinity: Y = A^T [(G g G^T) * (B^T d B)] A
_BT = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
       [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
_G = [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
      [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]]
_AT = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]
M, A = 4, 6  # output and input tile sides
# Below this many pixels the transforms cost more than they save (measured: 21x21 breaks even).
MIN_PIXELS = 32 * 32
BAND_TILES = 512  # tiles transformed at a time: enough for efficient products, few enough to stay in cache


class WinogradConv2d(nn.Conv2d):
    """A 3x3, stride 1, padding 1, ungrouped fp32 `nn.Conv2d` for inference, computed by F(4x4, 3x3).

    Same parameters and state-dict keys as the convolution it replaces. It convolves directly
    (as `nn.Conv2d`) for small inputs, for other dtypes, and when gradients are wanted.
    """

    @classmethod
    def from_conv(cls, conv: nn.Conv2d) -> "WinogradConv2d":
        if not is_eligible(conv):
            raise ValueError(f"conv={conv} is not a 3x3, stride 1, padding 1, ungrouped fp32 convolution")
        new = cls(conv.in_channels, conv.out_channels, 3, padding=1, bias=conv.bias is not None, device="meta")
        new.weight, new.bias = conv.weight, conv.bias
        new.register_buffer("bt", torch.tensor(_BT, dtype=torch.float32, device=conv.weight.device), persistent=False)
        new.register_buffer("at", torch.tensor(_AT, dtype=torch.float32, device=conv.weight.device), persistent=False)
        new.register_buffer("u", torch.empty(0), persistent=False)
        new._u_version = None
        return new

    def _transformed_weight(self) -> torch.Tensor:
        """G g G^T for each filter, as (36, in, out); redone whenever the weights change in place."""
        version = (self.weight._version, self.weight.data_ptr())
        if version != self._u_version:
            g = torch.tensor(_G, dtype=torch.float64, device=self.weight.device)
            u = torch.einsum("ai,bj,kcij->abck", g, g, self.weight.detach().double())
            self.u = u.reshape(A * A, self.in_channels, self.out_channels).float()
            self._u_version = version
        return self.u

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        if (h * w < MIN_PIXELS or x.dtype != torch.float32 or self.weight.dtype != torch.float32
                or (torch.is_grad_enabled() and self.weight.requires_grad)):
            return super().forward(x)
        u = self._transformed_weight()
        k, th, tw = self.out_channels, -(-h // M), -(-w // M)
        # channels last, zero-padded by the convolution's 1 pixel and then up to whole tiles
        hp, wp = th * M + 2, tw * M + 2
        xp = x.new_empty(n, hp, wp, c)
        for border in (xp[:, :1], xp[:, h + 1:], xp[:, :, :1], xp[:, :, w + 1:]):
            border.zero_()  # only the borders: zeroing all of it would be one more pass over memory
        xp[:, 1:h + 1, 1:w + 1].copy_(x.permute(0, 2, 3, 1))
        out = torch.empty(n, th * M, tw * M, k, dtype=x.dtype, device=x.device)
        nrows = max(1, BAND_TILES // (n * tw))
        for t in range(0, th, nrows):  # a band of tile rows at a time
            tb = min(nrows, th - t)
            p = n * tb * tw
            tiles = xp[:, t * M:].as_strided((A, A, n, tb, tw, c), (wp * c, c, hp * wp * c, M * wp * c, M * c, 1))
            # B^T d B and A^T m A, one side at a time: a third of the work of the 36x36 Kronecker form
            v = (self.bt @ (self.bt @ tiles.reshape(A, A * p * c)).view(A, A, p * c)).view(A * A, p, c)
            m = torch.bmm(v, u).view(A, A * p * k)
            y = (self.at @ (self.at @ m).view(M, A, p * k)).view(M, M, n, tb, tw, k)
            if self.bias is not None:
                y += self.bias  # while the band is in cache
            out[:, t * M:(t + tb) * M].view(n, tb, M, tw, M, k).copy_(y.permute(2, 3, 0, 4, 1, 5))
        return out[:, :h, :w].permute(0, 3, 1, 2)  # NCHW shape, channels-last memory


def is_eligible(conv: nn.Module) -> bool:
    return (type(conv) is nn.Conv2d and conv.kernel_size == (3, 3) and conv.stride == (1, 1)
            and conv.padding == (1, 1) and conv.dilation == (1, 1) and conv.groups == 1
            and conv.padding_mode == "zeros" and conv.weight.dtype == torch.float32)


def use_winograd(model: nn.Module) -> nn.Module:
    """Replace every eligible convolution of `model` by a `WinogradConv2d` (in place, for inference)."""
    for module in list(model.modules()):
        for name, child in module.named_children():
            if is_eligible(child):
                setattr(module, name, WinogradConv2d.from_conv(child))
    return model
