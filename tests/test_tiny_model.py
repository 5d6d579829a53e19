"""`fennec dev make-model`: every architecture and format loads in its engine and generates."""

from __future__ import annotations

import pytest

from inference.tiny_model import make_model


@pytest.mark.parametrize("arch", ["qwen3_moe", "olmoe", "mixtral"])
def test_mlx_format_loads_in_mlx_lm_and_generates(tmp_path, arch):
    from mlx_lm import generate, load

    path = make_model(tmp_path / arch, arch, "mlx")
    model, tokenizer = load(str(path))
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "hi"}], add_generation_prompt=True
    )
    assert tokenizer.decode(prompt).startswith("<|im_start|>user\nhi<|im_end|>")
    assert isinstance(generate(model, tokenizer, prompt, max_tokens=4), str)


@pytest.mark.parametrize("arch", ["qwen3_moe", "olmoe", "mixtral"])
def test_gguf_format_loads_in_llama_cpp_and_matches_mlx_greedy(tmp_path, arch):
    """Same weights in both formats: greedy tokens agree across the two engines."""
    import llama_cpp
    from mlx_lm import load, stream_generate

    folder = tmp_path / arch
    make_model(folder, arch, "mlx")
    gguf = make_model(folder, arch, "gguf")
    llm = llama_cpp.Llama(model_path=str(gguf), verbose=False, n_ctx=512)
    model, tokenizer = load(str(folder))
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Hello there"}], add_generation_prompt=True
    )
    ours = _first_tokens(llm, prompt, 8)
    mlx_tokens = [r.token for r in stream_generate(model, tokenizer, prompt, max_tokens=8)]
    assert ours == mlx_tokens


def _first_tokens(llm, prompt, n):
    out = []
    for token in llm.generate(prompt, temp=0.0):
        out.append(token)
        if len(out) == n:
            break
    return out
