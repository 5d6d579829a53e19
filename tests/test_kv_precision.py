"""KV precision on both engines: 8- and 4-bit caches are really quantised (smaller than
16-bit for the same conversation), still answer and reuse a conversation's KV, and a model
whose heads cannot be quantised is refused before loading."""

from __future__ import annotations

import pytest

from inference.errors import ModelError
from inference.memory_check import MemoryOptions
from inference.requests import ChatRequest, SamplingParams

PROMPT = [{"role": "user", "content": "the fennec fox sheds heat through its ears " * 12}]


@pytest.fixture(scope="module")
def kv_model(tmp_path_factory):
    from inference.memory_bench_model import KV_TEST_SHAPE, make_shaped_model
    from inference.model_source import resolve

    folder, _ = make_shaped_model(tmp_path_factory.mktemp("kv-model"), KV_TEST_SHAPE)
    return resolve(str(folder))


def _run(engine, messages, max_tokens=6):
    request = ChatRequest(messages, SamplingParams(temperature=0.0, max_tokens=max_tokens))
    admission = engine.start(request)
    tokens = []
    while engine.running():
        tokens += [o.token for o in engine.step()]
    return tokens, admission


def _kv_bytes(engine) -> int:
    """What the engine holds of the finished conversation's KV."""
    if engine.info.name == "mlx":
        return engine._prompt_cache.nbytes
    import llama_cpp

    return sum(
        llama_cpp.llama_state_seq_get_size(engine._context.ctx, seq_id)
        for seq_id in engine._slots._parked
    )


@pytest.mark.parametrize("engine_name", ["mlx", "llamacpp"])
def test_quantised_kv_is_smaller_and_still_answers(kv_model, engine_name):
    from inference.model_source import load_engine

    sizes = {}
    for bits in (16, 8, 4):
        engine = load_engine(
            kv_model, engine_name, memory=MemoryOptions(context=1024, kv_bits=bits)
        )
        try:
            tokens, _ = _run(engine, PROMPT)
            assert len(tokens) == 6
            sizes[bits] = _kv_bytes(engine)
            # The next turn reuses the quantised KV of this one.
            follow = PROMPT + [
                {"role": "assistant", "content": "ears"},
                {"role": "user", "content": "and?"},
            ]
            _, admission = _run(engine, follow, max_tokens=2)
            assert admission.cached_tokens > 0
            if engine_name == "mlx" and bits != 16:
                assert engine.info.max_batch == 1  # BatchGenerator has no quantised cache
                cache = engine.new_cache()
                assert type(cache[0]).__name__ == "QuantizedKVCache" and cache[0].bits == bits
        finally:
            engine.close()
    # The same conversation's KV against the 16-bit setting's (on MLX-CPU that one stores
    # float32, the model being widened there, so its ratios are smaller still).
    assert sizes[8] / sizes[16] < 0.6
    assert sizes[4] / sizes[16] < 0.35


def test_heads_too_narrow_for_quantised_kv_are_refused_before_loading(tiny_model):
    from inference.model_source import load_engine, resolve

    files = resolve(str(tiny_model))
    for engine_name in ("mlx", "llamacpp"):
        with pytest.raises(ModelError, match="use 16-bit KV"):
            load_engine(files, engine_name, memory=MemoryOptions(kv_bits=8))


def test_the_status_names_the_kv_precision_and_its_memory_per_1k(kv_model):
    from inference.kv_memory import model_kv_shape
    from inference.serve import kv_status

    body = kv_status(kv_model, "llamacpp", MemoryOptions(kv_bits=8))()
    shape = model_kv_shape(kv_model.gguf_file)
    assert body == {"kv_bits": 8, "kv_bytes_per_1k_tokens": shape.bytes_per_1k(8)}
    assert body["kv_bytes_per_1k_tokens"] == int(2 * 2 * 32 * 2 * (1 + 4 / 64) * 1000)
