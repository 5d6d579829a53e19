"""Each engine's KV cache as a file, for the prompt store (inference/prompt_store.py).

MLX: mlx-lm's prompt-cache safetensors (`save_prompt_cache` / `load_prompt_cache`).
llama.cpp: the sequence state file (`llama_state_seq_save_file` / `_load_file`), which holds
the tokens as well; both are checked against what the store says they hold before use.
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

from inference.prompt_store import StoredPrefix


def save_mlx_cache(path: Path, cache: list[Any]) -> None:
    from mlx_lm.models.cache import save_prompt_cache

    save_prompt_cache(str(path), cache)


def load_mlx_cache(entry: StoredPrefix, empty: list[Any]) -> list[Any]:
    """The saved cache, read in full; ValueError unless it is shaped like `empty` (the
    engine's own fresh cache: same layers, same kind, same bits) and holds the tokens."""
    import mlx.core as mx
    from mlx_lm.models.cache import load_prompt_cache

    cache = load_prompt_cache(str(entry.path))
    if [type(c).__name__ for c in cache] != [type(c).__name__ for c in empty]:
        raise ValueError("the saved cache has other layers or another kind of cache")
    for saved, fresh in zip(cache, empty, strict=True):
        if getattr(saved, "bits", None) != getattr(fresh, "bits", None):
            raise ValueError("the saved cache has another KV precision")
        if getattr(saved, "offset", len(entry.tokens)) != len(entry.tokens):
            raise ValueError("the saved cache holds another number of tokens")
    mx.eval([(c.keys, c.values) for c in cache if getattr(c, "keys", None) is not None])
    return cache


def save_llamacpp_sequence(ctx: Any, path: Path, seq_id: int, tokens: list[int]) -> None:
    import llama_cpp

    array = (llama_cpp.llama_token * len(tokens))(*tokens)
    written = llama_cpp.llama_state_seq_save_file(
        ctx, str(path).encode(), seq_id, array, len(tokens)
    )
    if not written:
        raise OSError("llama.cpp wrote no sequence state")


def load_llamacpp_sequence(ctx: Any, entry: StoredPrefix, seq_id: int) -> bool:
    """Load a saved sequence into `seq_id` (whose cells the caller freed). False when
    llama.cpp could not (a full KV buffer looks the same as a bad file: the caller makes
    room and asks again); ValueError when the file holds other tokens."""
    import llama_cpp

    capacity = len(entry.tokens)
    tokens_out = (llama_cpp.llama_token * capacity)()
    count = ctypes.c_size_t(0)
    read = llama_cpp.llama_state_seq_load_file(
        ctx, str(entry.path).encode(), seq_id, tokens_out, capacity, ctypes.byref(count)
    )
    if not read:
        return False
    if list(tokens_out[: count.value]) != entry.tokens:
        raise ValueError("the state file holds other tokens than its record")
    return True
