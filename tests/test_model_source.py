"""Broken, incomplete or mismatched models stop with a message naming the problem."""

from __future__ import annotations

import json
import shutil

import pytest

from inference import model_source
from inference.errors import ModelError
from inference.model_source import EngineChoice, choose_engine, load_engine, pick_engine, resolve
from tests.fake_hub import FakeHub


@pytest.fixture
def model_copy(tiny_model, tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(tiny_model, dst)
    return dst


def test_a_good_folder_offers_both_engines(tiny_model):
    files = resolve(str(tiny_model))
    assert files.mlx_dir == tiny_model and files.gguf_file.suffix == ".gguf"
    assert choose_engine(files, "auto") == "llamacpp"  # no Metal here: the CPU path
    assert choose_engine(files, "mlx") == "mlx"


def test_missing_path():
    with pytest.raises(ModelError, match="no model at"):
        resolve("/nonexistent/model")


def test_hugging_face_id_offline_is_a_clear_download_error():
    with pytest.raises(ModelError, match="could not download someone/some-model"):
        resolve("someone/some-model")


def test_missing_config(model_copy):
    (model_copy / "config.json").unlink()
    (model_copy / "model-f32.gguf").unlink()
    with pytest.raises(ModelError, match="missing config.json"):
        resolve(str(model_copy))


def test_config_not_json(model_copy):
    (model_copy / "config.json").write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        resolve(str(model_copy))


def test_config_without_architecture(model_copy):
    (model_copy / "config.json").write_text(json.dumps({"hidden_size": 4}))
    with pytest.raises(ModelError, match="no model_type"):
        resolve(str(model_copy))


def test_truncated_safetensors(model_copy):
    weights = model_copy / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="truncated"):
        resolve(str(model_copy))


def test_missing_tokenizer(model_copy):
    (model_copy / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="no tokenizer"):
        resolve(str(model_copy))


def test_empty_folder(tmp_path):
    with pytest.raises(ModelError, match="holds no model"):
        resolve(str(tmp_path))


def test_truncated_gguf(model_copy):
    gguf = model_copy / "model-f32.gguf"
    data = gguf.read_bytes()
    gguf.write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelError, match="broken or truncated GGUF"):
        resolve(str(model_copy))


def test_not_a_gguf(tmp_path):
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(ModelError, match="not a GGUF file"):
        resolve(str(fake))


def test_other_file_type(tmp_path):
    f = tmp_path / "weights.bin"
    f.write_bytes(b"x")
    with pytest.raises(ModelError, match="not a GGUF"):
        resolve(str(f))


def test_wrong_format_for_the_engine(tiny_gguf, model_copy):
    with pytest.raises(ModelError, match="no MLX weights"):
        choose_engine(resolve(str(tiny_gguf)), "mlx")
    (model_copy / "model-f32.gguf").unlink()
    with pytest.raises(ModelError, match="no GGUF file"):
        choose_engine(resolve(str(model_copy)), "llamacpp")


def test_unknown_architecture_is_named(model_copy):
    config = json.loads((model_copy / "config.json").read_text())
    config["model_type"] = "fennec_imaginary_moe"
    (model_copy / "config.json").write_text(json.dumps(config))
    files = resolve(str(model_copy))
    with pytest.raises(ModelError, match="fennec_imaginary_moe"):
        load_engine(files, "mlx")


def test_weights_that_do_not_fit_the_config(model_copy):
    config = json.loads((model_copy / "config.json").read_text())
    config["hidden_size"] = 128
    (model_copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match="MLX cannot load"):
        load_engine(resolve(str(model_copy)), "mlx")


# -- honest engine choice -------------------------------------------------------------------------
def _mlx_only(tiny_model, folder):
    shutil.copytree(tiny_model, folder)
    (folder / "model-f32.gguf").unlink()
    return folder


def test_auto_never_runs_mlx_on_a_cpu_and_offers_the_catalogs_gguf(tiny_model, tmp_path):
    folder = _mlx_only(tiny_model, tmp_path / "models" / "mlx-community--Qwen3-30B-A3B-4bit")
    with pytest.raises(ModelError) as e:
        pick_engine(resolve(str(folder)), "auto")
    message = str(e.value)
    assert "only MLX weights" in message and "no Metal GPU" in message
    assert "Qwen3-30B-A3B-Q4_K_M.gguf" in message
    assert "fennec models download qwen3-30b-a3b" in message


def test_an_unknown_mlx_only_model_says_what_to_do(tiny_model, tmp_path):
    folder = _mlx_only(tiny_model, tmp_path / "my-model")
    with pytest.raises(ModelError, match="GGUF build of the same model.*engine to mlx"):
        pick_engine(resolve(str(folder)), "auto")


def test_the_engine_choice_names_its_reason(tiny_model, tmp_path, monkeypatch):
    files = resolve(str(tiny_model))
    choice = pick_engine(files, "auto")
    assert choice.engine == "llamacpp" and "no Metal GPU" in choice.reason
    assert "CPU" in pick_engine(files, "mlx").reason  # chosen by hand: runs, and says it is slow
    monkeypatch.setattr(model_source, "metal_available", lambda: True)
    assert pick_engine(files, "auto") == EngineChoice(
        "mlx", "MLX on the Metal GPU (auto: Apple Silicon)"
    )
    mlx_only = resolve(str(_mlx_only(tiny_model, tmp_path / "m")))
    assert pick_engine(mlx_only, "auto").engine == "mlx"


# -- which GGUF in a folder -----------------------------------------------------------------------
def test_a_folder_with_several_ggufs_is_ambiguous(tiny_gguf, tmp_path):
    for name in ("model-Q4_K_M.gguf", "model-Q8_0.gguf"):
        shutil.copy(tiny_gguf, tmp_path / name)
    with pytest.raises(ModelError, match="holds 2 GGUF models .*model-Q4_K_M.gguf"):
        resolve(str(tmp_path))


def test_a_split_gguf_loads_from_its_first_part(tiny_gguf, tmp_path):
    shutil.copy(tiny_gguf, tmp_path / "model-00001-of-00002.gguf")
    (tmp_path / "model-00002-of-00002.gguf").write_bytes(b"GGUF rest")
    assert resolve(str(tmp_path)).gguf_file == tmp_path / "model-00001-of-00002.gguf"


def test_a_hub_repo_of_many_quantisations_is_not_downloaded_whole(monkeypatch):
    hub = FakeHub({"org/Big-GGUF": {f"Big-{q}.gguf": b"GGUF" for q in ("Q4_K_M", "Q8_0", "F16")}})
    monkeypatch.setenv("HF_ENDPOINT", hub.start())
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    try:
        with pytest.raises(ModelError, match="holds 3 GGUF files .*Big-Q4_K_M.gguf.*downloads one"):
            resolve("org/Big-GGUF")
        assert hub.file_gets() == []
    finally:
        hub.stop()


@pytest.mark.llamacpp
def test_the_worker_says_which_engine_runs_and_why(tiny_model):
    import httpx

    from inference.worker_process import start_worker

    worker = start_worker(str(tiny_model), "auto", ("--no-governor",))
    try:
        reason = "llama.cpp on the CPU (auto: no Metal GPU here)"
        assert any(line.startswith("fennec: serving") and reason in line for line in worker.log)
        status = httpx.get(
            f"{worker.base_url}/fennec/status",
            headers={"Authorization": f"Bearer {worker.token}"},
        ).json()
        assert status["engine"] == "llamacpp" and status["engine_reason"] == reason
    finally:
        worker.stop()
