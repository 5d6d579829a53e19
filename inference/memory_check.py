"""Refuse a model that cannot fit in memory before loading it, instead of swapping the machine
to a standstill: the weights (as the engine will hold them), the KV cache at the chosen context
and precision, plus headroom, against what the OS says is available now. Also picks the
default context: the model's trained length, capped by what the memory beside it holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psutil

from inference.errors import ModelError
from inference.kv_memory import KvShape, auto_context, check_kv_bits, model_kv_shape

GIB = 2**30
HEADROOM_BYTES = 1 * GIB  # the runtime, the app beside us
OVERHEAD = 1.1  # buffers and copies made while loading
# An automatic context lets the KV cache take at most this share of the memory left beside
# the weights: the rest of the machine needs some too.
AUTO_KV_SHARE = 0.5


@dataclass(frozen=True)
class MemoryOptions:
    """How much conversation the worker holds, and how (flags of `fennec serve`)."""

    context: int = 0  # tokens of prompt + answer; 0: trained length capped by memory
    kv_bits: int = 16  # KV cache precision: 16, 8 or 4
    prompt_cache_dir: Path | None = None  # saved conversations' KV; None: not kept on disk
    prompt_cache_bytes: int = 2 * 10**9  # the saved KV files' budget (least recent go first)


@dataclass(frozen=True)
class MemoryNeed:
    weights_bytes: int
    kv_bytes: int  # the KV cache full at `context` (times the engine's copies)
    needed_bytes: int
    available_bytes: int
    context: int  # the context chosen (or asked for)
    kv_bits: int = 16

    @property
    def fits(self) -> bool:
        return self.needed_bytes <= self.available_bytes


def weights_bytes(path: Path) -> int:
    """Bytes of weights in a GGUF file or an MLX folder (its *.safetensors)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.glob("*.safetensors"))


def _shape(path: Path) -> KvShape | None:
    try:
        return model_kv_shape(path)
    except Exception:  # an odd config: the weights alone are still worth checking
        return None


def memory_need(
    path: Path,
    available: int | None = None,
    context: int = 0,
    kv_bits: int = 16,
    copies: int = 1,
) -> MemoryNeed:
    """What loading `path` takes, against `available` (the OS's figure by default).
    `copies`: full-length conversations the engine allocates KV for up front (llama.cpp's
    unified buffer holds two; MLX grows one as it goes). MLX on a CPU widens 16-bit weights
    to float32; that test-only path is not counted."""
    check_kv_bits(kv_bits)
    weights = weights_bytes(path)
    base = int(weights * OVERHEAD) + HEADROOM_BYTES
    free = psutil.virtual_memory().available if available is None else available
    shape = _shape(path)
    if shape is None:
        return MemoryNeed(weights, 0, base, free, context or 4096, kv_bits)
    if not context:
        spare = int((free - base) * AUTO_KV_SHARE)
        context = auto_context(shape, kv_bits, spare, copies)
    kv = shape.kv_bytes(context, kv_bits) * max(1, copies)
    return MemoryNeed(weights, kv, base + kv, free, context, kv_bits)


def check_memory(
    path: Path,
    available: int | None = None,
    context: int = 0,
    kv_bits: int = 16,
    copies: int = 1,
) -> MemoryNeed:
    """The need (with the context to use); ModelError with what to do when it does not fit."""
    need = memory_need(path, available, context, kv_bits, copies)
    if need.fits:
        return need
    advice = "choose a smaller quantisation (4-bit) or a smaller model"
    if need.kv_bytes > GIB // 4:
        advice = (
            f"choose a shorter context (now {need.context} tokens, "
            f"{need.kv_bytes / GIB:.1f} GB of KV cache)"
            + (", 8-bit KV" if need.kv_bits == 16 else "")
            + ", a smaller quantisation (4-bit) or a smaller model"
        )
    raise ModelError(
        f"this model needs about {need.needed_bytes / GIB:.1f} GB of memory and "
        f"{need.available_bytes / GIB:.1f} GB is free: close other apps, or {advice}"
    )
