"""fp32 3x3 convolutions by Winograd's F(4x4, 3x3): the same results as the direct convolution."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nogan.models import winograd
from nogan.models.winograd import WinogradConv2d, use_winograd


def pair(cin: int = 24, cout: int = 40, bias: bool = True, seed: int = 0) -> tuple[nn.Conv2d, WinogradConv2d]:
    torch.manual_seed(seed)
    conv = nn.Conv2d(cin, cout, 3, padding=1, bias=bias)
    return conv, WinogradConv2d.from_conv(conv)


@pytest.mark.parametrize("shape", [(1, 24, 64, 64), (2, 24, 37, 50), (3, 24, 33, 129)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("channels_last", [True, False])
def test_matches_the_direct_convolution(shape, bias, channels_last):
    conv, fast = pair(bias=bias)
    x = torch.randn(shape)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        expected, got = conv(x), fast(x)
    assert got.shape == expected.shape
    assert (got - expected).abs().max() < 2e-5 * expected.abs().max()


def test_large_batches_of_tiles_are_banded(monkeypatch):
    monkeypatch.setattr(winograd, "BAND_TILES", 7)  # several bands, the last one partial
    conv, fast = pair()
    x = torch.randn(2, 24, 45, 45)
    with torch.no_grad():
        expected = conv(x)
        assert (fast(x) - expected).abs().max() < 2e-5 * expected.abs().max()


def test_same_parameters_and_state_dict_keys():
    model = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 1),
                          nn.Conv2d(8, 8, 3, padding=1, stride=2), nn.Conv2d(8, 8, 3, padding=1).double())
    keys = list(model.state_dict())
    use_winograd(model)
    assert list(model.state_dict()) == keys
    assert [type(m) is WinogradConv2d for m in model] == [True, False, False, False, False]


def test_direct_where_winograd_does_not_pay_or_is_not_exact():
    conv, fast = pair()
    small = torch.randn(1, 24, 20, 20)
    with torch.no_grad():
        assert torch.equal(fast(small), conv(small))  # too few pixels: the direct convolution
        bf16 = torch.randn(1, 24, 64, 64).bfloat16()
        assert torch.equal(fast.bfloat16()(bf16), conv.bfloat16()(bf16))


def test_training_gets_the_direct_convolution_and_its_gradients():
    conv, fast = pair()
    x = torch.randn(1, 24, 64, 64)
    fast(x).sum().backward()
    assert fast.weight.grad is not None and fast.weight.grad.abs().sum() > 0


def test_follows_weights_changed_in_place():
    conv, fast = pair()
    x = torch.randn(1, 24, 64, 64)
    with torch.no_grad():
        fast(x)
        fast.load_state_dict(pair(seed=1)[0].state_dict())
        expected = F.conv2d(x, fast.weight, fast.bias, padding=1)
        assert (fast(x) - expected).abs().max() < 2e-5 * expected.abs().max()


def test_refuses_other_convolutions():
    with pytest.raises(ValueError, match="not a 3x3, stride 1"):
        WinogradConv2d.from_conv(nn.Conv2d(8, 8, 3, padding=1, stride=2))
