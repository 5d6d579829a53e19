"""Refuse a model that cannot fit in memory before loading it, instead of swapping the machine
to a standstill: the weights (as the engine will hold them) plus headroom against what the OS
says is available now. The KV cache is not counted yet (it grows with the conversation)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psutil

from inference.errors import ModelError

GIB = 2**30
HEADROOM_BYTES = 1 * GIB  # the runtime, the KV cache's first pages, the app beside us
OVERHEAD = 1.1  # buffers and copies made while loading


@dataclass(frozen=True)
class MemoryNeed:
    weights_bytes: int
    needed_bytes: int
    available_bytes: int

    @property
    def fits(self) -> bool:
        return self.needed_bytes <= self.available_bytes


def weights_bytes(path: Path) -> int:
    """Bytes of weights in a GGUF file or an MLX folder (its *.safetensors)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.glob("*.safetensors"))


def memory_need(path: Path, available: int | None = None) -> MemoryNeed:
    """What loading `path` takes, against `available` (the OS's figure by default). MLX on a
    CPU widens 16-bit weights to float32; that test-only path is not counted."""
    weights = weights_bytes(path)
    needed = int(weights * OVERHEAD) + HEADROOM_BYTES
    free = psutil.virtual_memory().available if available is None else available
    return MemoryNeed(weights, needed, free)


def check_memory(path: Path, available: int | None = None) -> None:
    """Raise ModelError with what to do when the model does not fit in memory now."""
    need = memory_need(path, available)
    if need.fits:
        return
    raise ModelError(
        f"this model needs about {need.needed_bytes / GIB:.1f} GB of memory and "
        f"{need.available_bytes / GIB:.1f} GB is free: close other apps, or choose a smaller "
        "quantisation (4-bit) or a smaller model"
    )
