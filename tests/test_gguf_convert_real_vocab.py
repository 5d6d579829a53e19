"""Converting models with real vocabularies (Qwen3's 151K byte-level BPE, Mixtral's 32K
SentencePiece) to GGUF: llama.cpp reads prompts into the same tokens as the Hugging Face
tokenizer — Chinese, emoji and the chat template's special tokens included — and the
float16 stage answers like MLX. The `enable_thinking` switch reaches Qwen3's real template
on both engines."""

from __future__ import annotations

import threading

import pytest

from inference.gguf_convert import inspect_source, write_f16_gguf
from inference.model_source import load_engine, resolve
from tests.engine_runs import greedy as run_greedy

TEXTS = ["Hello! 你好，世界 🦊", "def add(a, b):\n    return a + b", "  spaces   and\ttabs"]


def _greedy(engine, text: str, template_kwargs: dict | None = None):
    return run_greedy(engine, text, 8, template_kwargs)


@pytest.mark.parametrize(("vocab", "arch"), [("qwen3", "qwen3_moe"), ("mixtral", "mixtral")])
def test_a_real_vocabulary_converts_token_for_token(vocab, arch, tmp_path):
    from inference.tiny_model import make_model

    src = make_model(tmp_path / "src", arch, "mlx", vocab=vocab)
    gguf_file = tmp_path / "f16.gguf"
    write_f16_gguf(inspect_source(src), gguf_file, lambda p: None, threading.Event())
    mlx = load_engine(resolve(str(src)), "mlx")
    llama = load_engine(resolve(str(gguf_file)), "llamacpp")
    try:
        switches = [{}, {"enable_thinking": False}] if vocab == "qwen3" else [{}]
        prompts = {}
        for text in TEXTS:
            for switch in switches:
                expected = _greedy(mlx, text, switch)
                assert _greedy(llama, text, switch) == expected, (text, switch)
                prompts[text, bool(switch)] = expected[0]
        if vocab == "qwen3":  # thinking off: the template adds its closed, empty block
            for text in TEXTS:
                assert len(prompts[text, True]) > len(prompts[text, False])
    finally:
        mlx.close()
        llama.close()
