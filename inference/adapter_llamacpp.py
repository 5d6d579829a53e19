"""LoRA on llama.cpp: the GGUF copy of an adapter, made on demand, and its attachment to the
extra contexts an engine creates beside the Llama object's own."""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

from inference.adapter_meta import GGUF_FILE
from inference.errors import ModelError


def gguf_lora_for(adapter_dir: Path, base_gguf: Path) -> Path:
    """The adapter's GGUF LoRA, converted now when missing or older than the MLX weights."""
    from inference.adapter_gguf import convert_adapter

    target = adapter_dir / GGUF_FILE
    weights = adapter_dir / "adapters.safetensors"
    if not target.exists() or target.stat().st_mtime < weights.stat().st_mtime:
        convert_adapter(adapter_dir, base_gguf, target)
    return target


def attach_lora(llm: Any, ctx: Any, scale: float = 1.0) -> None:
    """Apply the adapter a `llama_cpp.Llama(lora_path=...)` loaded to another context of
    the same model (llama.cpp keeps adapters per context)."""
    import llama_cpp

    adapter = getattr(llm, "_lora_adapter", None)
    if adapter is None:
        raise ModelError("llama.cpp loaded no LoRA adapter to attach")
    adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(adapter)
    scales = (ctypes.c_float * 1)(scale)
    if llama_cpp.llama_set_adapters_lora(ctx, adapters, 1, scales):
        raise ModelError("llama.cpp could not apply the LoRA adapter to its batching context")
