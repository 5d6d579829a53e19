"""KV memory from the model's config: per-token size at each precision, the automatic context
(trained length capped by memory), and the memory check counting the KV at that context."""

from __future__ import annotations

import pytest

from inference.errors import ModelError
from inference.kv_memory import KvShape, auto_context, model_kv_shape
from inference.memory_check import GIB, check_memory, memory_need


def test_the_shape_is_read_alike_from_config_json_and_the_gguf_header(tiny_model, tiny_gguf):
    mlx, gguf = model_kv_shape(tiny_model), model_kv_shape(tiny_gguf)
    assert mlx == gguf == KvShape(layers=2, kv_heads=2, head_dim=16, trained_context=4096)


def test_bytes_per_1k_tokens_is_layers_heads_dims_keys_and_values():
    shape = KvShape(layers=48, kv_heads=4, head_dim=128, trained_context=32768)  # Qwen3-30B-A3B
    assert shape.bytes_per_1k(16) == 48 * 4 * 128 * 2 * 2 * 1000
    assert shape.bytes_per_1k(8) / shape.bytes_per_1k(16) == pytest.approx(0.53, abs=0.01)
    assert shape.bytes_per_1k(4) / shape.bytes_per_1k(16) == pytest.approx(0.28, abs=0.01)
    with pytest.raises(KeyError):
        shape.bytes_per_1k(5)


def test_the_automatic_context_is_the_trained_length_capped_by_memory():
    shape = KvShape(48, 4, 128, 32768)  # 96 KiB per token at 16 bits
    assert auto_context(shape, 16, spare_bytes=64 * GIB) == 32768
    capped = auto_context(shape, 16, spare_bytes=1 * GIB)
    assert capped == (GIB // (48 * 4 * 128 * 4)) // 1024 * 1024 and capped < 32768
    assert auto_context(shape, 8, spare_bytes=1 * GIB) > capped  # 8-bit KV: more fits
    assert auto_context(shape, 16, spare_bytes=0) == 2048  # never below a usable floor


def test_the_memory_check_counts_the_kv_at_the_chosen_context(tiny_gguf):
    need = memory_need(tiny_gguf, available=64 * GIB, context=4096, kv_bits=16, copies=2)
    assert need.kv_bytes == 2 * 4096 * 2 * 2 * 16 * 2 * 2
    assert need.needed_bytes > need.weights_bytes + need.kv_bytes
    auto = memory_need(tiny_gguf, available=64 * GIB)
    assert auto.context == 4096  # the trained length: plenty of memory


def test_a_context_too_long_for_memory_is_refused_with_advice(tiny_gguf, monkeypatch):
    import inference.memory_check as memory

    # A model whose KV is 1 MiB per token (8192 tokens: 8 GiB), trained to 128K.
    monkeypatch.setattr(memory, "model_kv_shape", lambda _: KvShape(64, 32, 128, 131072))
    with pytest.raises(ModelError) as refused:
        check_memory(tiny_gguf, available=8 * GIB, context=8192)
    text = str(refused.value)
    assert "shorter context" in text and "8192 tokens" in text and "8-bit KV" in text
    fits = check_memory(tiny_gguf, available=8 * GIB)  # automatic: what fits
    assert fits.context == 3072 and fits.fits
