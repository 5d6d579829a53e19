"""MLX's device is asked by capability (a CUDA GPU is a GPU, not a CPU), the model is upcast
only on the CPU, and compiled kernels are cached in Fennec's own data folder."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import mlx.core as mx
import mlx.nn as nn
import pytest

from inference.mlx_device import KERNEL_CACHE_ENV, detect_device, use_kernel_cache


def _fake_mx(gpu: bool, metal: bool, query: bool = True) -> SimpleNamespace:
    def is_available(device):
        if not query:
            raise AttributeError("no is_available in this build")
        return gpu if device == "gpu" else True

    return SimpleNamespace(
        gpu="gpu", is_available=is_available, metal=SimpleNamespace(is_available=lambda: metal)
    )


@pytest.mark.parametrize(
    ("gpu", "metal", "query", "expected"),
    [
        (True, False, True, ("gpu", "cuda")),
        (True, True, True, ("gpu", "metal")),
        (False, False, True, ("cpu", "cpu")),
        (False, True, False, ("gpu", "metal")),  # an old build: Metal is the only GPU it knows
        (True, False, False, ("cpu", "cpu")),
    ],
)
def test_device_by_capability(gpu, metal, query, expected):
    d = detect_device(_fake_mx(gpu, metal, query))
    assert (d.kind, d.backend) == expected
    assert d.is_gpu == (expected[0] == "gpu")


def test_kernel_cache_is_ours_unless_the_user_named_one(fennec_home, monkeypatch, tmp_path):
    monkeypatch.delenv(KERNEL_CACHE_ENV, raising=False)
    folder = use_kernel_cache()
    assert folder == fennec_home / "cache" / "mlx-kernels" and folder.is_dir()
    assert os.environ[KERNEL_CACHE_ENV] == str(folder)
    monkeypatch.setenv(KERNEL_CACHE_ENV, str(tmp_path / "mine"))
    assert use_kernel_cache() == tmp_path / "mine"


@pytest.fixture
def dtype_calls(monkeypatch) -> list:
    calls: list = []
    real = nn.Module.set_dtype

    def recording(self, dtype, *args, **kwargs):
        calls.append(dtype)
        return real(self, dtype, *args, **kwargs)

    monkeypatch.setattr(nn.Module, "set_dtype", recording)
    return calls


@pytest.mark.parametrize("cuda", [True, False])
def test_engine_runs_a_gpu_model_in_its_own_dtype_and_upcasts_only_on_cpu(
    cuda, tiny_model: Path, fennec_home, monkeypatch, dtype_calls
):
    from inference.engine_mlx import MlxEngine

    monkeypatch.delenv(KERNEL_CACHE_ENV, raising=False)
    if cuda:  # what MLX's CUDA backend answers: a GPU, and no Metal
        real = mx.is_available
        monkeypatch.setattr(mx, "is_available", lambda d: True if d == mx.gpu else real(d))
    engine = MlxEngine(str(tiny_model), "tiny")
    try:
        assert engine.info.device == ("gpu" if cuda else "cpu")
        assert (mx.float32 in dtype_calls) == (not cuda)
        assert os.environ[KERNEL_CACHE_ENV] == str(fennec_home / "cache" / "mlx-kernels")
    finally:
        engine.close()
