"""A model that does not fit in memory is refused before loading, with what to do."""

from __future__ import annotations

import pytest

from inference.errors import ModelError
from inference.memory_check import GIB, check_memory, memory_need


def test_need_counts_the_weights_plus_headroom(tiny_model, tiny_gguf):
    mlx = memory_need(tiny_model, available=64 * GIB)
    gguf = memory_need(tiny_gguf, available=64 * GIB)
    assert mlx.weights_bytes == sum(p.stat().st_size for p in tiny_model.glob("*.safetensors"))
    assert gguf.weights_bytes == tiny_gguf.stat().st_size
    assert mlx.fits and gguf.needed_bytes > gguf.weights_bytes + GIB - 1


def test_a_model_too_big_for_free_memory_is_refused_with_advice(tiny_gguf):
    with pytest.raises(ModelError) as refused:
        check_memory(tiny_gguf, available=GIB // 2)
    text = str(refused.value)
    assert "GB of memory" in text and "4-bit" in text and "free" in text
    check_memory(tiny_gguf, available=8 * GIB)  # fits: no error


def test_the_worker_refuses_before_loading(tiny_model, monkeypatch):
    import inference.memory_check as memory
    from inference.model_source import load_engine, resolve

    files = resolve(str(tiny_model))

    class Scarce:
        available = GIB // 4

    monkeypatch.setattr(memory.psutil, "virtual_memory", lambda: Scarce())
    for engine in ("mlx", "llamacpp"):
        with pytest.raises(ModelError, match="needs about"):
            load_engine(files, engine)
