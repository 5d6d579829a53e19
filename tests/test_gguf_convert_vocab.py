"""Converting a SentencePiece-style vocabulary (Mixtral's kind: BPE over "▁" with byte
fallback) to GGUF: llama.cpp, reading the converted file, splits every prompt into the same
tokens as the Hugging Face tokenizer, bytes it has no piece for included, and the model
answers the same. The vocabulary is a small one built here, in Mixtral's tokenizer.json form.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from inference.gguf_convert import inspect_source, write_f16_gguf
from inference.model_source import load_engine, resolve
from tests.engine_runs import greedy as run_greedy

WORDS = ["hello", "world", "fennec", "fox", "the", "desert", "is", "cool", "hot", "ears"]
# Mixtral's template, cut down: no system role, [INST] … [/INST] turns.
TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}"
    "{{ '[INST] ' + m['content'] + ' [/INST]' }}{% else %}{{ m['content'] + eos_token }}"
    "{% endif %}{% endfor %}"
)
# Run-together words: no piece holds them whole, so the merge order decides where they split.
PROMPTS = [
    "helloworld thefennecfox",
    "desertears iscoolhot",
    "  two  spaces\nand a line",
    "你好 🦊 [x] foxesdeserthello",
]


def sentencepiece_style_tokenizer():
    """<unk> <s> </s>, the 256 byte pieces, characters, and every piece of each "▁word" with
    a score, merged as Hugging Face converts a SentencePiece model: every pair whose union is
    a piece, the union that scores highest first (so the order decides how words split)."""
    import random

    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, processors

    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    vocab |= {f"<0x{b:02X}>": 3 + b for b in range(256)}
    rng = random.Random(5)
    scores = {}
    for word in ["▁" + w for w in WORDS]:
        for ch in word:
            vocab.setdefault(ch, len(vocab))
        for i in range(len(word)):
            for j in range(i + 2, len(word) + 1):
                scores.setdefault(word[i:j], rng.uniform(-50.0, -1.0))
    for piece in sorted(scores):
        vocab[piece] = len(vocab)
    ranked = sorted(
        (-scores[piece], vocab[piece], piece[:cut], piece[cut:])
        for piece in scores
        for cut in range(1, len(piece))
        if piece[:cut] in vocab and piece[cut:] in vocab
    )
    merges = [(left, right) for _, _, left, right in ranked]
    tokenizer = Tokenizer(
        models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", fuse_unk=True, byte_fallback=True)
    )
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")]
    )
    tokenizer.decoder = decoders.Sequence(
        [
            decoders.Replace("▁", " "),
            decoders.ByteFallback(),
            decoders.Fuse(),
            decoders.Strip(" ", 1, 0),
        ]
    )
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", 1)]
    )
    tokenizer.add_special_tokens(
        [AddedToken(t, special=True, normalized=False) for t in ("<unk>", "<s>", "</s>")]
    )
    return tokenizer


@pytest.fixture(scope="module")
def spm_model(tmp_path_factory) -> Path:
    from safetensors.numpy import save_file

    from inference.tiny_model import SHAPES, model_config, random_weights

    folder = tmp_path_factory.mktemp("spm-mixtral")
    tokenizer = sentencepiece_style_tokenizer()
    config = model_config("mixtral", SHAPES["tiny"]) | {"bos_token_id": 1, "eos_token_id": 2}
    config["vocab_size"] = tokenizer.get_vocab_size()
    tokenizer.save(str(folder / "tokenizer.json"))
    settings = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "add_bos_token": True,
        "chat_template": TEMPLATE,
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(settings))
    (folder / "config.json").write_text(json.dumps(config))
    save_file(random_weights(config, 3), str(folder / "model.safetensors"))
    return folder


def _greedy(engine, text: str) -> tuple[list[int], list[int]]:
    return run_greedy(engine, text, 12)


def test_llama_cpp_splits_prompts_like_the_hugging_face_tokenizer(spm_model, tmp_path):
    source = inspect_source(spm_model)
    assert (source.tokenizer.kind, source.tokenizer.add_bos) == ("llama", True)
    gguf_file = tmp_path / "spm-f16.gguf"
    write_f16_gguf(source, gguf_file, lambda p: None, threading.Event())
    mlx = load_engine(resolve(str(spm_model)), "mlx")
    llama = load_engine(resolve(str(gguf_file)), "llamacpp")
    try:
        for text in PROMPTS:
            prompt, answer = _greedy(mlx, text)
            assert prompt[0] == 1 and prompt.count(1) == 1, prompt  # one <s>, at the start
            assert any(3 <= t < 259 for t in prompt) or text.isascii()  # byte pieces used
            assert _greedy(llama, text) == (prompt, answer), text
    finally:
        mlx.close()
        llama.close()
