"""How much memory the KV cache takes, read from a model's own config, and the context that
fits: the shape (layers × KV heads × head size) from config.json or the GGUF header, bytes
per element for each KV precision, and the default context (trained length capped by RAM)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

KV_BITS = (16, 8, 4)
# Bytes one cached element takes at each precision, as the engines store it on a GPU:
# 16-bit floats; 8/4-bit with a 16-bit scale and bias per group of 64 (mlx-lm's default
# kv_group_size), which is within 1 % of llama.cpp's q8_0 (34 bytes / 32) and q4_0 (18 / 32).
BYTES_PER_ELEMENT = {16: 2.0, 8: 1.0 + 4 / 64, 4: 0.5 + 4 / 64}
CONTEXT_STEP = 1024  # an automatic context is a whole number of these
MIN_AUTO_CONTEXT = 2048


@dataclass(frozen=True)
class KvShape:
    """What sets the size of one token's KV: every layer keeps a key and a value per KV head."""

    layers: int
    kv_heads: int
    head_dim: int
    trained_context: int  # the model's own context window (0: unknown)

    def bytes_per_token(self, kv_bits: int = 16) -> float:
        return self.layers * self.kv_heads * self.head_dim * 2 * BYTES_PER_ELEMENT[kv_bits]

    def bytes_per_1k(self, kv_bits: int = 16) -> int:
        """Memory per 1,000 tokens of conversation: what the settings show beside the choice."""
        return int(self.bytes_per_token(kv_bits) * 1000)

    def kv_bytes(self, tokens: int, kv_bits: int = 16) -> int:
        return int(self.bytes_per_token(kv_bits) * tokens)


def check_kv_bits(bits: int) -> int:
    if bits not in KV_BITS:
        raise ValueError(f"KV precision must be one of {', '.join(map(str, KV_BITS))} bits")
    return bits


def kv_group_size(head_dim: int, kv_bits: int) -> int:
    """The quantisation group for a head of `head_dim` (mlx-lm's 64 where it divides, else 32;
    llama.cpp's q8_0/q4_0 blocks are 32); ValueError for a head neither divides."""
    if kv_bits == 16:
        return 0
    for group in (64, 32):
        if head_dim % group == 0:
            return group
    raise ValueError(
        f"this model's attention heads ({head_dim} values) cannot hold a {kv_bits}-bit KV "
        "cache (it needs a multiple of 32): use 16-bit KV"
    )


def shape_from_config(config: dict) -> KvShape:
    """The KV shape of a Hugging Face style config.json (a nested text_config included)."""
    section = config.get("text_config") or config
    layers = int(section.get("num_hidden_layers") or 0)
    heads = int(section.get("num_attention_heads") or 0)
    kv_heads = int(section.get("num_key_value_heads") or heads)
    head_dim = section.get("head_dim") or (section.get("hidden_size", 0) // max(1, heads))
    trained = 0
    for key in ("max_position_embeddings", "max_sequence_length", "seq_length", "n_positions"):
        value = section.get(key) or config.get(key)
        if isinstance(value, int) and value > 0:
            trained = value
            break
    return KvShape(layers, kv_heads, int(head_dim), trained)


def shape_from_gguf(path: Path) -> KvShape:
    """The KV shape from a GGUF header (`<arch>.block_count`, `.attention.head_count_kv`, …)."""
    from inference.gguf_header import read_header

    # Not gguf's GGUFReader: it takes 10+ s over a real vocabulary's token list.
    fields = read_header(path).metadata

    def value(key: str, default: int = 0) -> int:
        return int(fields.get(key, default))

    arch = str(fields["general.architecture"])
    heads = value(f"{arch}.attention.head_count")
    kv_heads = value(f"{arch}.attention.head_count_kv", heads)
    embedding = value(f"{arch}.embedding_length")
    head_dim = value(f"{arch}.attention.key_length", embedding // max(1, heads))
    return KvShape(
        value(f"{arch}.block_count"), kv_heads, head_dim, value(f"{arch}.context_length")
    )


def model_kv_shape(path: Path) -> KvShape:
    """The KV shape of a GGUF file or an MLX folder."""
    if path.is_file():
        return shape_from_gguf(path)
    return shape_from_config(json.loads((path / "config.json").read_text()))


def auto_context(shape: KvShape, kv_bits: int, spare_bytes: int, copies: int = 1) -> int:
    """The default context: the trained length, capped by what `spare_bytes` (memory left
    beside the weights) holds for `copies` full-length conversations' KV."""
    trained = shape.trained_context or 4096
    per_token = shape.bytes_per_token(kv_bits) * max(1, copies)
    if per_token <= 0:
        return trained
    fits = int(max(0, spare_bytes) // per_token) // CONTEXT_STEP * CONTEXT_STEP
    return max(min(trained, MIN_AUTO_CONTEXT), min(trained, fits))
