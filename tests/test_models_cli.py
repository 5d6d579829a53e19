"""`fennec models list|download|delete` against the real catalog and a local fake Hub."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.cli import main
from tests.fake_hub import FakeHub

OLMOE_REPO = "allenai/OLMoE-1B-7B-0125-Instruct-GGUF"
Q8 = "OLMoE-1B-7B-0125-Instruct-Q8_0.gguf"
Q4 = "OLMoE-1B-7B-0125-Instruct-Q4_K_M.gguf"
FILES = {
    Q4: hashlib.sha256(b"q4").digest() * 2000,  # not the catalog's Q4: its SHA-256 differs
    Q8: hashlib.sha256(b"q8").digest() * 4000,
    "OLMoE-1B-7B-0125-Instruct-F16.gguf": hashlib.sha256(b"f16").digest() * 8000,
}


@pytest.fixture
def hub(monkeypatch):
    fake = FakeHub({OLMOE_REPO: dict(FILES)})
    monkeypatch.setenv("HF_ENDPOINT", fake.start())
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    yield fake
    fake.stop()


def test_list_shows_exact_files_and_sizes(capsys):
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "qwen3-30b-a3b:llamacpp:Q4_K_M" in out and "Qwen3-30B-A3B-Q4_K_M.gguf" in out
    assert "18.6 GB" in out and "Q8_0 (8-bit), 32.5 GB" in out
    assert "mlx-community/" not in out  # no Metal here: llama.cpp's files only
    assert "not downloaded" in out
    assert main(["models", "list", "--all", "--sources"]) == 0
    out = capsys.readouterr().out
    assert "mlx-community/Qwen3-30B-A3B-8bit" in out and "checked: " in out


def test_download_fetches_one_file_and_delete_removes_it(hub, capsys):
    assert main(["models", "download", "olmoe-1b-7b", "--bits", "8"]) == 0
    out = capsys.readouterr().out
    assert hub.file_gets() == [Q8]
    assert "ready: " in out and out.strip().splitlines()[-2].endswith(Q8)
    assert main(["models", "list"]) == 0
    assert "downloaded: " in capsys.readouterr().out
    path = Path(out.strip().splitlines()[-2].removeprefix("ready: "))
    assert path.read_bytes() == FILES[Q8]
    assert main(["models", "delete", "olmoe-1b-7b:llamacpp:Q8_0"]) == 0
    # the file (128,000 bytes) and its small manifest
    assert "deleted olmoe-1b-7b:llamacpp:Q8_0 (128.3 kB freed)" in capsys.readouterr().out
    assert not path.exists()
    assert main(["models", "delete", "olmoe-1b-7b", "--bits", "8"]) == 1
    assert "is not downloaded" in capsys.readouterr().err


def test_a_file_that_is_not_the_catalogs_is_refused(hub, capsys):
    assert main(["models", "download", "olmoe-1b-7b"]) == 1
    assert "not the file Fennec's catalog names" in capsys.readouterr().err
    assert hub.file_gets() == []


def test_too_little_memory_stops_before_the_download(hub, capsys, monkeypatch):
    import app.model_store

    monkeypatch.setattr(
        app.model_store.psutil, "virtual_memory", lambda: SimpleNamespace(total=2**30)
    )
    assert main(["models", "download", "olmoe-1b-7b", "--bits", "8"]) == 1
    assert "needs about" in capsys.readouterr().err
    assert hub.file_gets() == []
    assert main(["models", "download", "olmoe-1b-7b", "--bits", "8", "--force"]) == 0


def test_unknown_model_and_missing_quantisation_are_named(capsys):
    assert main(["models", "download", "nope"]) == 1
    assert "no model 'nope' in the catalog; choose one of olmoe-1b-7b" in capsys.readouterr().err
    assert main(["models", "download", "gpt-oss-20b", "--bits", "8"]) == 1
    assert "gpt-oss 20B has no 8-bit download for llamacpp" in capsys.readouterr().err


def test_the_16_gb_tier_on_linux_gets_exactly_one_verified_file(monkeypatch, capsys):
    import app.model_store
    import app.models_cli

    sixteen = SimpleNamespace(total=16 * 2**30)
    monkeypatch.setattr(app.model_store.psutil, "virtual_memory", lambda: sixteen)
    monkeypatch.setattr(app.models_cli.psutil, "virtual_memory", lambda: sixteen)
    repo = {
        "gpt-oss-20b-mxfp4.gguf": hashlib.sha256(b"mxfp4").digest() * 3000,
        "gpt-oss-20b-Q8_0.gguf": hashlib.sha256(b"q8").digest() * 5000,
        "gpt-oss-20b-F16.gguf": hashlib.sha256(b"f16").digest() * 6000,
        "README.md": b"# gpt-oss\n",
    }
    fake = FakeHub({"ggml-org/gpt-oss-20b-GGUF": repo})
    monkeypatch.setenv("HF_ENDPOINT", fake.start())
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    try:
        assert main(["models", "list"]) == 0
        listing = capsys.readouterr().out
        assert "gpt-oss 20B  (standard, 16 GB RAM or more)  ← recommended" in listing
        qwen_q4 = listing.split("qwen3-30b-a3b:llamacpp:Q4_K_M")[1].split("\n")[1]
        assert "too big for this machine's memory" in qwen_q4
        assert "too big" not in listing.split("gpt-oss-20b:llamacpp:MXFP4")[1].split("\n")[1]
        assert main(["models", "download", "gpt-oss-20b"]) == 0
        assert fake.file_gets() == ["gpt-oss-20b-mxfp4.gguf"]
        path = Path(capsys.readouterr().out.strip().splitlines()[-2].removeprefix("ready: "))
        assert path.read_bytes() == repo["gpt-oss-20b-mxfp4.gguf"]
        assert sorted(p.name for p in path.parent.iterdir()) == [
            "fennec-MXFP4.json",
            "gpt-oss-20b-mxfp4.gguf",
        ]
    finally:
        fake.stop()


def test_convert_a_local_folder_to_mlx(tiny_model, tmp_path, capsys):
    import json

    src = tmp_path / "src"
    shutil.copytree(tiny_model, src, ignore=shutil.ignore_patterns("*.gguf"))
    assert main(["models", "convert", str(src), "--bits", "8", "--out", str(tmp_path / "q8")]) == 0
    config = json.loads((tmp_path / "q8" / "config.json").read_text())
    assert config["quantization"]["bits"] == 8
    assert capsys.readouterr().out.strip().endswith(f"ready: {tmp_path / 'q8'}")
    assert main(["models", "convert", str(src), "--out", str(tmp_path / "q8")]) == 1
    assert "already exists" in capsys.readouterr().err
    config = json.loads((src / "config.json").read_text())
    (src / "config.json").write_text(json.dumps(config | {"model_type": "fennec_imaginary"}))
    assert main(["models", "convert", str(src), "--out", str(tmp_path / "bad")]) == 1
    assert "does not know the 'fennec_imaginary' architecture" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
