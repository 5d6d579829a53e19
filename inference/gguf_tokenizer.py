"""A model folder's tokenizer as a GGUF needs it: the byte-level BPE, which of llama.cpp's
pre-tokenizer regexes it uses, its end and start tokens and its chat template.

Only byte-level BPE tokenizers (GPT-2 style: Qwen2/Qwen3, OLMoE, Fennec's test tokenizer)
are converted; SentencePiece ones (Mixtral's, Llama 2's) are refused by name, not written
wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer

from inference.errors import ModelError

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
    pre: str  # llama.cpp's name for the pre-tokenizer ("gpt-2", "qwen2")


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
    if model.get("type") != "BPE" or model.get("byte_fallback"):
        raise ModelError(
            f"{folder.name}: its tokenizer is SentencePiece-style ({model.get('type')}, byte "
            "fallback), which Fennec does not convert to GGUF yet; use a published GGUF"
        )
    pre = pre_tokenizer_name(spec)
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
    return TokenizerSource(tokenizer, template, _token_text(settings.get("bos_token")), eos, pre)
