"""Which device MLX computes on, asked by capability, and where it keeps compiled kernels.

MLX has a Metal backend (Apple GPUs) and a CUDA backend (NVIDIA GPUs); either is a GPU and
runs the model in its own dtype. Only on the CPU backend is the model upcast (MLX-CPU's MoE
expert matmul, gather_mm, is float32-only). This module does not import mlx itself: the
kernel cache folder must be named before MLX compiles its first kernel.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KERNEL_CACHE_ENV = "MLX_PTX_CACHE_DIR"


@dataclass(frozen=True)
class MlxDevice:
    kind: str  # "gpu" or "cpu": what EngineInfo.device reports
    backend: str  # "metal", "cuda" or "cpu"

    @property
    def is_gpu(self) -> bool:
        return self.kind == "gpu"


def detect_device(mx: Any) -> MlxDevice:
    """The GPU if MLX has one, whatever its backend; else the CPU."""
    try:
        gpu = bool(mx.is_available(mx.gpu))
    except Exception:  # an MLX build without the query: only Metal could be a GPU then
        gpu = bool(mx.metal.is_available())
    if not gpu:
        return MlxDevice("cpu", "cpu")
    return MlxDevice("gpu", "metal" if mx.metal.is_available() else "cuda")


def data_dir() -> Path:
    """Fennec's user data folder; the same rule as app.paths (inference may not import app)."""
    override = os.environ.get("FENNEC_HOME")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("Fennec", appauthor=False))


def use_kernel_cache() -> Path:
    """Point MLX's compiled-kernel cache (CUDA: ~100 s of compiling on first use, ~3 s warm)
    at a folder of ours, unless the user named one; returns the folder in use."""
    if not os.environ.get(KERNEL_CACHE_ENV):
        os.environ[KERNEL_CACHE_ENV] = str(data_dir() / "cache" / "mlx-kernels")
    folder = Path(os.environ[KERNEL_CACHE_ENV])
    folder.mkdir(parents=True, exist_ok=True)
    return folder
