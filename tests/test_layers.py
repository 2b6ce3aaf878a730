"""Building blocks whose inference shortcuts must not change results."""
from __future__ import annotations

import torch

from nogan.models import layers
from nogan.models.layers import SelfAttention


def test_self_attention_in_chunks_of_queries_equals_all_at_once(monkeypatch):
    torch.manual_seed(0)
    attention = SelfAttention(16)
    with torch.no_grad():
        attention.gamma.fill_(0.7)
        x = torch.randn(2, 16, 9, 11)
        whole = attention(x)
        monkeypatch.setattr(layers, "QUERY_CHUNK", 7)  # 99 queries: 15 chunks, the last one partial
        chunked = attention(x)
    assert torch.allclose(chunked, whole, atol=1e-6) and not torch.allclose(whole, x, atol=1e-3)
