"""A model folder's tokenizer as a GGUF needs it, read from its tokenizer.json: the tokens,
how llama.cpp should split text, its start and end tokens and its chat template.

Two kinds: byte-level BPE (GPT-2 style: Qwen2/Qwen3, OLMoE, Fennec's test tokenizer), with
the name of llama.cpp's pre-tokenizer regex; and SentencePiece-style BPE over "▁" with byte
fallback (Mixtral, Llama 2), written as llama.cpp's "llama" model, each token scored by its
merge's rank so that llama.cpp merges in the same order. Anything else is refused by name,
not written wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer

from inference.errors import ModelError
from inference.gguf_writer import add_tokenizer

# Qwen2/Qwen3's pre-tokenizer split (transformers' tokenization_qwen2.PRETOKENIZE_REGEX);
# llama.cpp calls it "qwen2".
QWEN2_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)


@dataclass(frozen=True)
class TokenizerSource:
    tokenizer: Tokenizer
    chat_template: str
    bos: str | None
    eos: str
    pre: str  # llama.cpp's name for the pre-tokenizer ("gpt-2", "qwen2"); "" for "llama"
    kind: str = "gpt2"  # llama.cpp's tokenizer model: "gpt2" or "llama" (SentencePiece)
    add_bos: bool = False
    merges: tuple[str, ...] = ()  # "left right", in the order they apply

    def write(self, writer, vocab_size: int = 0) -> None:
        """This tokenizer's keys in a gguf.GGUFWriter; the list padded to `vocab_size`."""
        if self.kind == "gpt2":
            add_tokenizer(
                writer,
                self.tokenizer,
                self.chat_template,
                self.bos,
                self.eos,
                self.pre,
                vocab_size=vocab_size,
            )
        else:
            _write_sentencepiece(writer, self, vocab_size)


def _write_sentencepiece(writer, source: TokenizerSource, vocab_size: int) -> None:
    import gguf

    vocab = source.tokenizer.get_vocab(with_added_tokens=True)
    by_id = {i: t for t, i in vocab.items()}
    size = max(vocab_size, max(by_id) + 1)
    # llama.cpp merges the adjacent pair whose union scores highest: the earliest merge.
    scores = [0.0] * size
    for rank, merge in enumerate(source.merges):
        token = vocab.get(merge.replace(" ", ""))
        if token is not None and scores[token] == 0.0:
            scores[token] = -1.0 - rank
    added = {a.content: a.special for a in source.tokenizer.get_added_tokens_decoder().values()}
    tokens, types = [], []
    for i in range(size):
        text = by_id.get(i)
        if text is None:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
        elif added.get(text):
            tokens.append(text)
            types.append(gguf.TokenType.UNKNOWN if text == "<unk>" else gguf.TokenType.CONTROL)
        elif text in added:
            tokens.append(text)
            types.append(gguf.TokenType.USER_DEFINED)
        else:
            tokens.append(text)
            byte = len(text) == 6 and text.startswith("<0x") and text.endswith(">")
            types.append(gguf.TokenType.BYTE if byte else gguf.TokenType.NORMAL)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    if source.bos is not None and source.bos in vocab:
        writer.add_bos_token_id(vocab[source.bos])
    writer.add_eos_token_id(vocab[source.eos])
    if "<unk>" in vocab:
        writer.add_unk_token_id(vocab["<unk>"])
    writer.add_add_bos_token(source.add_bos)
    writer.add_add_eos_token(False)
    writer.add_chat_template(source.chat_template)


def _token_text(value) -> str | None:
    """tokenizer_config.json writes a token as a string or as {"content": …}."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


def _chat_template(folder: Path, settings: dict) -> str | None:
    jinja = folder / "chat_template.jinja"
    if jinja.exists():
        return jinja.read_text()
    template = settings.get("chat_template")
    if isinstance(template, list):  # named templates: the default one
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        template = named.get("default")
    return template if isinstance(template, str) else None


def pre_tokenizer_name(spec: dict) -> str | None:
    """llama.cpp's name for a tokenizer.json pre-tokenizer, or None if it is not one we know."""
    pre = spec.get("pre_tokenizer") or {}
    if pre.get("type") == "ByteLevel" and pre.get("use_regex", True):
        return "gpt-2"
    if pre.get("type") == "Sequence":
        parts = pre.get("pretokenizers") or []
        kinds = [p.get("type") for p in parts]
        if kinds == ["Split", "ByteLevel"] and not parts[1].get("use_regex", True):
            if (parts[0].get("pattern") or {}).get("Regex") == QWEN2_REGEX:
                return "qwen2"
    return None


def read_tokenizer(folder: Path) -> TokenizerSource:
    """The folder's tokenizer for a GGUF; a clear error for one that cannot be written."""
    path = folder / "tokenizer.json"
    if not path.exists():
        kind = " (SentencePiece only)" if (folder / "tokenizer.model").exists() else ""
        raise ModelError(f"{folder} has no tokenizer.json{kind}; it is needed for GGUF")
    try:
        spec = json.loads(path.read_text())
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as e:  # tokenizers raises its own Exception subclass on a bad file
        raise ModelError(f"{path} cannot be read: {e}") from None
    model = spec.get("model") or {}
    if model.get("type") != "BPE":
        raise ModelError(
            f"{folder.name}: its tokenizer is a {model.get('type')} model, which Fennec does "
            "not convert to GGUF (BPE only); use a published GGUF"
        )
    sentencepiece = bool(model.get("byte_fallback"))
    if sentencepiece and not _splits_at_metaspace(spec):
        raise ModelError(
            f"{folder.name}: its tokenizer falls back to bytes but does not mark spaces with "
            "'▁' as SentencePiece does; Fennec does not know how to describe it to llama.cpp"
        )
    pre = "" if sentencepiece else pre_tokenizer_name(spec)
    if pre is None:
        raise ModelError(
            f"{folder.name}: its tokenizer splits text in a way Fennec does not know how to "
            "describe to llama.cpp; use a published GGUF"
        )
    settings_file = folder / "tokenizer_config.json"
    settings = json.loads(settings_file.read_text()) if settings_file.exists() else {}
    template = _chat_template(folder, settings)
    if not template:
        raise ModelError(f"{folder.name} has no chat template (tokenizer_config.json)")
    eos = _token_text(settings.get("eos_token"))
    vocab = tokenizer.get_vocab(with_added_tokens=True)
    if eos is None or eos not in vocab:
        raise ModelError(f"{folder.name}: tokenizer_config.json names no end-of-turn token")
    bos = _token_text(settings.get("bos_token"))
    if not sentencepiece:
        return TokenizerSource(tokenizer, template, bos, eos, pre)
    merges = tuple(m if isinstance(m, str) else " ".join(m) for m in model.get("merges") or ())
    add_bos = settings.get("add_bos_token", True) is not False
    return TokenizerSource(tokenizer, template, bos, eos, "", "llama", add_bos, merges)


def _splits_at_metaspace(spec: dict) -> bool:
    """Spaces become "▁" (Mixtral's normalizer, or a Metaspace pre-tokenizer)."""
    text = json.dumps([spec.get("normalizer"), spec.get("pre_tokenizer")], ensure_ascii=False)
    return "▁" in text
