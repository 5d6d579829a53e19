"""Downloads fetch exactly the chosen files from a (local, fake) Hub: resumable, cancellable,
verified, and only after a memory and disk check."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest

from app import model_store
from inference.catalog import CatalogFile, Variant
from inference.errors import ModelError
from inference.hub_download import DownloadCancelled, DownloadError
from tests.fake_hub import FakeHub

GGUF_REPO = "fake-org/Tiny-MoE-GGUF"
MLX_REPO = "fake-org/Tiny-MoE-4bit"
GB = 10**9
ROOMY = {"ram_bytes": 64 * GB, "free_disk_bytes": 500 * GB}


def _blob(n: int, seed: int) -> bytes:
    return hashlib.sha256(str(seed).encode()).digest() * (n // 32)


QUANTS = {
    "Tiny-MoE-Q4_K_M.gguf": _blob(96_000, 1),
    "Tiny-MoE-Q8_0.gguf": _blob(160_000, 2),
    "Tiny-MoE-F16.gguf": _blob(320_000, 3),
    "README.md": b"# a tiny fake model\n",
}
MLX_FILES = {
    "config.json": b'{"model_type": "qwen3_moe"}',
    "model.safetensors": _blob(64_000, 4),
    "tokenizer.json": b"{}",
    "README.md": b"# readme\n",
    ".gitattributes": b"*.safetensors filter=lfs\n",
}


@pytest.fixture
def hub(monkeypatch):
    fake = FakeHub({GGUF_REPO: dict(QUANTS), MLX_REPO: dict(MLX_FILES)})
    monkeypatch.setenv("HF_ENDPOINT", fake.start())
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # the conftest's guard; this hub is local
    yield fake
    fake.stop()


def gguf_variant(name: str = "Tiny-MoE-Q4_K_M.gguf", sha: str | None = None) -> Variant:
    data = QUANTS[name]
    return Variant(
        "tiny-moe",
        "llamacpp",
        name.split("-")[-1][:-5],
        4,
        GGUF_REPO,
        "main",
        0.0001,
        "test",
        files=(CatalogFile(name, len(data), sha or hashlib.sha256(data).hexdigest()),),
    )


MLX_VARIANT = Variant(
    "tiny-moe",
    "mlx",
    "4bit",
    4,
    MLX_REPO,
    "main",
    0.0001,
    "test",
    patterns=("*.safetensors", "*.json", "*.txt", "*.jinja", "tokenizer.model"),
)


def test_only_the_chosen_quantisation_is_fetched(hub):
    path = model_store.download(gguf_variant(), **ROOMY)
    assert path.read_bytes() == QUANTS["Tiny-MoE-Q4_K_M.gguf"]
    assert hub.file_gets() == ["Tiny-MoE-Q4_K_M.gguf"]
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "Tiny-MoE-Q4_K_M.gguf",
        "fennec-Q4_K_M.json",
    ]
    assert model_store.installed_path(gguf_variant()) == path
    assert model_store.installed_path(gguf_variant("Tiny-MoE-Q8_0.gguf")) is None


def test_an_mlx_repo_fetches_weights_config_and_tokenizer_only(hub):
    folder = model_store.download(MLX_VARIANT, **ROOMY)
    assert sorted(hub.file_gets()) == ["model.safetensors"]  # the LFS file, via the CDN
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json",
        "fennec-4bit.json",
        "model.safetensors",
        "tokenizer.json",
    ]


def test_an_interrupted_download_resumes_with_a_range_request(hub):
    hub.drop_after = 40_000
    with pytest.raises(DownloadError, match="Could not reach huggingface.co.*kept"):
        model_store.download(gguf_variant(), **ROOMY)
    part = model_store.variant_dir(gguf_variant()) / "Tiny-MoE-Q4_K_M.gguf.part"
    assert part.stat().st_size == 40_000
    seen: list[int] = []
    path = model_store.download(gguf_variant(), on_progress=lambda p: seen.append(p.done), **ROOMY)
    assert path.read_bytes() == QUANTS["Tiny-MoE-Q4_K_M.gguf"]  # and so its SHA-256 checked out
    assert hub.requests[-1][2] == "bytes=40000-"
    assert seen[0] > 40_000 and seen[-1] == 96_000


def test_a_server_that_ignores_range_restarts_the_file(hub):
    hub.drop_after = 30_000
    with pytest.raises(DownloadError):
        model_store.download(gguf_variant(), **ROOMY)
    hub.ignore_range = True
    path = model_store.download(gguf_variant(), **ROOMY)
    assert path.read_bytes() == QUANTS["Tiny-MoE-Q4_K_M.gguf"]


def test_cancel_keeps_the_partial_file_for_a_resume(hub):
    cancel = threading.Event()

    def progress(p):
        if p.done >= 32_000:
            cancel.set()

    with pytest.raises(DownloadCancelled, match="resumes"):
        model_store.download(gguf_variant(), on_progress=progress, cancel=cancel, **ROOMY)
    part = model_store.variant_dir(gguf_variant()) / "Tiny-MoE-Q4_K_M.gguf.part"
    kept = part.stat().st_size
    assert 32_000 <= kept < len(QUANTS["Tiny-MoE-Q4_K_M.gguf"])
    assert model_store.installed_path(gguf_variant()) is None
    path = model_store.download(gguf_variant(), **ROOMY)
    assert hub.requests[-1][2] == f"bytes={kept}-"
    assert path.read_bytes() == QUANTS["Tiny-MoE-Q4_K_M.gguf"]


def test_damaged_bytes_are_caught_by_sha256_and_removed(hub):
    hub.corrupt.add("Tiny-MoE-Q4_K_M.gguf")
    with pytest.raises(DownloadError, match="damaged"):
        model_store.download(gguf_variant(), **ROOMY)
    folder = model_store.variant_dir(gguf_variant())
    assert not (folder / "Tiny-MoE-Q4_K_M.gguf").exists()
    assert not (folder / "Tiny-MoE-Q4_K_M.gguf.part").exists()


def test_the_hubs_own_sha256_is_checked_when_the_catalog_has_none(hub):
    variant = Variant(
        "tiny-moe",
        "llamacpp",
        "Q8_0",
        8,
        GGUF_REPO,
        "main",
        0.0002,
        "test",
        files=(CatalogFile("Tiny-MoE-Q8_0.gguf", None, None),),
    )
    hub.corrupt.add("Tiny-MoE-Q8_0.gguf")
    with pytest.raises(DownloadError, match="damaged"):
        model_store.download(variant, **ROOMY)
    hub.corrupt.clear()
    assert model_store.download(variant, **ROOMY).stat().st_size == 160_000


def test_a_file_changed_upstream_is_not_downloaded(hub):
    with pytest.raises(DownloadError, match="changed\\s+upstream"):
        model_store.download(gguf_variant(sha="ab" * 32), **ROOMY)
    assert hub.file_gets() == []


def test_too_little_memory_is_refused_before_any_byte(hub):
    with pytest.raises(model_store.DoesNotFit, match="needs about .* of memory"):
        model_store.download(gguf_variant(), ram_bytes=1_000_000, free_disk_bytes=500 * GB)
    with pytest.raises(model_store.DoesNotFit, match="Not enough disk space"):
        model_store.download(gguf_variant(), ram_bytes=64 * GB, free_disk_bytes=2_000_000)
    assert hub.file_gets() == []


def test_delete_removes_one_quantisation_and_keeps_the_other(hub):
    q4, q8 = gguf_variant(), gguf_variant("Tiny-MoE-Q8_0.gguf")
    model_store.download(q4, **ROOMY)
    model_store.download(q8, **ROOMY)
    manifest_bytes = os.path.getsize(model_store.manifest_path(q4))
    assert model_store.delete(q4) == 96_000 + manifest_bytes
    assert model_store.installed_path(q4) is None
    assert model_store.installed_path(q8).read_bytes() == QUANTS["Tiny-MoE-Q8_0.gguf"]
    with pytest.raises(ModelError, match="not downloaded"):
        model_store.delete(q4)


def test_no_network_is_a_calm_message(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(DownloadError, match="Could not reach huggingface.co; check the connection"):
        model_store.download(gguf_variant(), **ROOMY)


def test_offline_mode_says_so():
    with pytest.raises(DownloadError, match="offline"):
        model_store.download(gguf_variant(), **ROOMY)


def test_a_missing_repo_is_named(hub):
    variant = Variant(
        "x",
        "llamacpp",
        "Q4_K_M",
        4,
        "nobody/nothing",
        "main",
        1.0,
        "test",
        files=(CatalogFile("x.gguf", None, None),),
    )
    with pytest.raises(DownloadError, match="nobody/nothing .*not on huggingface.co"):
        model_store.download(variant, **ROOMY)


def test_a_paged_listing_is_followed_to_the_end(hub):
    hub.page_size = 2  # the MLX repo's 5 files come in three pages
    folder = model_store.download(MLX_VARIANT, **ROOMY)
    assert (folder / "tokenizer.json").exists() and (folder / "model.safetensors").exists()
    assert sum(1 for m, p, _ in hub.requests if p.startswith("/api/models/")) == 3


def test_a_downloaded_model_needs_no_network_and_one_download_at_a_time(hub, monkeypatch):
    path = model_store.download(gguf_variant(), **ROOMY)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert model_store.download(gguf_variant(), **ROOMY) == path  # no Hub asked
    monkeypatch.delenv("HF_HUB_OFFLINE")
    q8 = gguf_variant("Tiny-MoE-Q8_0.gguf")
    with model_store._only_one_download(q8):
        with pytest.raises(DownloadError, match="already downloading"):
            model_store.download(q8, **ROOMY)
    assert model_store.download(q8, **ROOMY).stat().st_size == 160_000
