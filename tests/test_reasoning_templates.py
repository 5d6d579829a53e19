"""The published templates choose the right reasoning reader: gpt-oss's (with its real
vocabulary) ends the prompt in `<|start|>assistant` → harmony, and reads reasoning_effort;
Qwen3's leaves `<think>` to the model, or closes an empty block when thinking is off. The
prompt's end is checked as each engine hands it over: decoded tokens (MLX), text (llama.cpp)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inference.reasoning_harmony import HarmonySplitter
from inference.reasoning_split import (
    REASONING_TAIL_CHARS,
    REASONING_TAIL_TOKENS,
    ReasoningSplitter,
    Split,
    splitter_for,
)

TEMPLATES = Path(__file__).parent / "fixtures" / "templates"
CHAT = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello"},
    {"role": "user", "content": "Again"},
]


def _tokenizer(vocab: str, template: str, tmp_path: Path):
    from transformers import PreTrainedTokenizerFast

    from inference import real_vocab

    real = real_vocab.build(vocab)
    real.save(tmp_path)
    config_file = tmp_path / "tokenizer_config.json"
    config_file.write_text(
        json.dumps(json.loads(config_file.read_text()) | {"chat_template": template})
    )
    return PreTrainedTokenizerFast.from_pretrained(str(tmp_path))


def _tails(tokenizer, **template_kwargs) -> tuple[str, str, str]:
    text = tokenizer.apply_chat_template(
        CHAT, add_generation_prompt=True, tokenize=False, **template_kwargs
    )
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return text, tokenizer.decode(ids[-REASONING_TAIL_TOKENS:]), text[-REASONING_TAIL_CHARS:]


def test_gpt_oss_prompts_are_read_as_harmony(tmp_path):
    template = (TEMPLATES / "openai-gpt-oss-120b.jinja").read_text()
    tokenizer = _tokenizer("gpt-oss", template, tmp_path)
    text, mlx_tail, llama_tail = _tails(tokenizer, reasoning_effort="low")
    assert "Reasoning: low" in text  # the template reads the request's reasoning_effort
    for tail in (mlx_tail, llama_tail):
        splitter = splitter_for(tail)
        assert isinstance(splitter, HarmonySplitter)
        out = splitter.feed("<|channel|>analysis<|message|>Greet.<|end|><|start|>assistant")
        out += splitter.feed("<|channel|>final<|message|>Hello again!") + splitter.finish()
        assert out == Split(reasoning="Greet.", content="Hello again!")


@pytest.mark.parametrize("thinking", [None, False])
def test_qwen3_prompts_leave_the_think_block_to_the_model(tmp_path, thinking):
    template = (TEMPLATES / "Qwen-Qwen3-0.6B.jinja").read_text()
    tokenizer = _tokenizer("qwen3", template, tmp_path)
    switch = {} if thinking is None else {"enable_thinking": thinking}
    text, mlx_tail, llama_tail = _tails(tokenizer, **switch)
    assert ("<think>\n\n</think>" in text) == (thinking is False)
    for tail in (mlx_tail, llama_tail):
        splitter = splitter_for(tail)
        assert isinstance(splitter, ReasoningSplitter)
        if thinking is False:  # the model answers at once
            assert splitter.feed("answer") + splitter.finish() == Split(content="answer")
        else:
            out = splitter.feed("<think>\nplan\n</think>\n\nanswer") + splitter.finish()
            assert out == Split(reasoning="plan", content="answer")
