"""The catalog names exact files per engine, with sizes, quantisations and where each figure was
checked; the fit check turns a model that cannot run here into a clear message."""

from __future__ import annotations

import re

import pytest

from inference.catalog import (
    GIB,
    check_fit,
    find_by_repo,
    find_model,
    load_catalog,
    recommended,
)
from inference.errors import ModelError

GB = 10**9


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_every_model_offers_both_engines_and_four_bit(catalog):
    assert [m.min_ram_gb for m in catalog] == [8, 16, 32]
    for m in catalog:
        for engine in ("llamacpp", "mlx"):
            assert m.variant(engine, bits=4).engine == engine


def test_eight_bit_where_published(catalog):
    olmoe, gpt_oss, qwen = catalog
    for m in (olmoe, qwen):
        assert {v.engine for v in m.variants if v.bits == 8} == {"llamacpp", "mlx"}
    with pytest.raises(ModelError, match="no 8-bit download for llamacpp .*MXFP4"):
        gpt_oss.variant("llamacpp", bits=8)  # its released weights are MXFP4


def test_gguf_variants_name_one_exact_file_of_their_quantisation(catalog):
    for m in catalog:
        for v in m.variants_for("llamacpp"):
            assert len(v.files) == 1 and not v.patterns
            (f,) = v.files
            assert f.name.lower().endswith(f"{v.quant.lower()}.gguf"), f.name
            assert f.bytes is None or abs(f.bytes / GB - v.approx_gb) < 0.01 * v.approx_gb
            assert f.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", f.sha256)
            assert v.checked  # where the figures come from, verified or not


def test_mlx_variants_take_the_repos_weights_config_and_tokenizer(catalog):
    for m in catalog:
        for v in m.variants_for("mlx"):
            assert not v.files and "*.safetensors" in v.patterns and "*.json" in v.patterns
            assert v.repo.startswith("mlx-community/") and v.checked


def test_the_16_gb_tier_is_one_file_that_fits_16_gb(catalog):
    pick = recommended(catalog, 16)
    v = pick.variant("llamacpp")
    assert [f.name for f in v.files] == ["gpt-oss-20b-mxfp4.gguf"]
    assert check_fit(v, v.approx_bytes, 16 * GIB, 500 * GB).fits
    assert recommended(catalog, 8).id == "olmoe-1b-7b"
    assert recommended(catalog, 64).id == "qwen3-30b-a3b"
    assert recommended(catalog, 4).id == "olmoe-1b-7b"  # nothing fits: the smallest


def test_a_model_too_big_for_memory_says_so(catalog):
    qwen = find_model(catalog, "qwen3-30b-a3b")
    q4, q8 = qwen.variant("llamacpp", bits=4), qwen.variant("llamacpp", bits=8)
    verdict = check_fit(q4, q4.approx_bytes, 16 * GIB, 500 * GB)
    assert not verdict.fits
    assert "needs about 18.8 GB of memory" in verdict.message
    assert (
        "(17.3 GB of weights" in verdict.message and "this machine has 16.0 GB" in verdict.message
    )
    assert "wants a machine with 23.5 GB or more" in verdict.message
    assert check_fit(q4, q4.approx_bytes, 32 * GIB, 500 * GB).fits
    assert not check_fit(q8, q8.approx_bytes, 32 * GIB, 500 * GB).fits


def test_too_little_disk_counts_what_is_already_there(catalog):
    v = find_model(catalog, "olmoe-1b-7b").variant("llamacpp")
    verdict = check_fit(v, v.approx_bytes, 16 * GIB, 3 * GB)
    assert not verdict.fits and "Not enough disk space: 4.2 GB still to download" in verdict.message
    assert check_fit(v, v.approx_bytes, 16 * GIB, 3 * GB, have_bytes=3 * GB).fits


def test_a_repo_finds_its_catalog_entry(catalog):
    model, variant = find_by_repo(catalog, "MLX-community/qwen3-30b-a3b-4bit")
    assert model.id == "qwen3-30b-a3b" and variant.engine == "mlx"
    assert find_by_repo(catalog, "someone/else") is None
    with pytest.raises(ModelError, match="no model 'nope' in the catalog"):
        find_model(catalog, "nope")
