"""Shared fixtures: tiny random MoE models built once per run, and a private FENNEC_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"  # never reach for a model hub from tests


@pytest.fixture(autouse=True)
def fennec_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "fennec-home"
    monkeypatch.setenv("FENNEC_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny qwen3_moe folder with both MLX weights and a GGUF of the same network."""
    from inference.tiny_model import make_model

    folder = tmp_path_factory.mktemp("tiny-qwen3-moe")
    make_model(folder, "qwen3_moe", "mlx")
    make_model(folder, "qwen3_moe", "gguf")
    return folder


@pytest.fixture(scope="session")
def tiny_gguf(tiny_model) -> Path:
    return tiny_model / "model-f32.gguf"
