"""`fennec models convert SRC --to gguf`: a safetensors folder becomes a GGUF that Fennec's
llama.cpp engine runs and that answers like the MLX original; broken input fails clearly
and leaves nothing behind."""

from __future__ import annotations

import json
import re
import shutil
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from inference import gguf_convert
from inference.errors import ModelError
from inference.gguf_convert import (
    ConvertCancelled,
    convert_to_gguf,
    inspect_source,
    write_f16_gguf,
)
from inference.model_source import load_engine, resolve
from tests.engine_runs import greedy as run_greedy

PROMPTS = [
    "Hello! How can I help you today?",
    "The fennec fox sheds desert heat",
    "def add(a, b):",
    "快速的棕色狐狸",
    "Numbers: 0 1 2 3",
]
STEPS = 32
# Measured here: 95.6 % (qwen3_moe), 96.2 % (olmoe), 96.9 % (mixtral) of 160 steps.
Q8_AGREEMENT = 0.90


@pytest.fixture(scope="module", params=["qwen3_moe", "olmoe", "mixtral"])
def source(request, tmp_path_factory) -> Path:
    from inference.tiny_model import make_model

    return make_model(tmp_path_factory.mktemp(f"src-{request.param}"), request.param, "mlx")


@pytest.fixture(scope="module")
def mlx_answers(source) -> list[tuple[list[int], list[int]]]:
    """(prompt, greedy tokens) of the MLX original for each prompt: the reference."""
    engine = load_engine(resolve(str(source)), "mlx")
    try:
        return [greedy(engine, text) for text in PROMPTS]
    finally:
        engine.close()


def greedy(engine, text: str) -> tuple[list[int], list[int]]:
    return run_greedy(engine, text, STEPS)


def test_the_float16_stage_answers_exactly_like_mlx(source, mlx_answers, tmp_path):
    f16 = tmp_path / "model-f16.gguf"
    write_f16_gguf(inspect_source(source), f16, lambda p: None, threading.Event())
    engine = load_engine(resolve(str(f16)), "llamacpp")
    try:
        for text, (_, expected) in zip(PROMPTS[:2], mlx_answers, strict=False):
            assert greedy(engine, text)[1][:16] == expected[:16], text
    finally:
        engine.close()


def test_q8_gguf_loads_in_fennec_and_agrees_with_mlx(source, mlx_answers, tmp_path):
    import llama_cpp

    seen = []
    q8 = convert_to_gguf(source, tmp_path / "model-Q8_0.gguf", 8, on_progress=seen.append)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model-Q8_0.gguf"]  # no leftovers
    writing = [p for p in seen if p.stage == "writing"]
    assert [p.done for p in writing] == list(range(1, writing[0].total + 1))
    assert [(p.stage, p.done) for p in seen[len(writing) :]] == [
        ("quantising", 0),
        ("quantising", 1),
    ]

    engine = load_engine(resolve(str(q8)), "llamacpp")
    try:
        for text, (_, expected) in zip(PROMPTS, mlx_answers, strict=True):
            answer = greedy(engine, text)[1]
            assert len(answer) == len(expected) and answer[0] == expected[0], text
    finally:
        engine.close()
    # Teacher-forced: given MLX's own tokens so far, is Q8_0's next choice MLX's? (Free-running
    # answers of a random model drift apart at the first near-tie quantisation flips.)
    llm = llama_cpp.Llama(str(q8), n_ctx=512, logits_all=True, verbose=False)
    agree = total = 0
    for prompt, tokens in mlx_answers:
        llm.reset()
        llm.eval(prompt + tokens)
        chosen = np.asarray(llm.scores[len(prompt) - 1 : len(prompt) + len(tokens) - 1]).argmax(-1)
        agree += int((chosen == np.asarray(tokens)).sum())
        total += len(tokens)
    llm.close()
    assert agree / total >= Q8_AGREEMENT, f"{agree}/{total}"


def _write_safetensors(path: Path, tensors: dict[str, tuple[str, np.ndarray]]) -> None:
    """A safetensors file by hand: numpy has no bfloat16 for safetensors to write."""
    header, blobs, offset = {}, [], 0
    for name, (dtype, array) in tensors.items():
        data = np.ascontiguousarray(array).tobytes()
        header[name] = {
            "dtype": dtype,
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def _hf_layout(source: Path, out: Path) -> Path:
    """The same network as Hugging Face ships it: one tensor per expert (Mixtral's w1/w2/w3),
    bfloat16, in two shards with an index; and the float32 original rounded to match."""
    from safetensors.numpy import load_file, save_file

    weights = load_file(str(source / "model.safetensors"))
    mixtral = json.loads((source / "config.json").read_text())["model_type"] == "mixtral"
    names = {"gate_proj": "w1", "down_proj": "w2", "up_proj": "w3"} if mixtral else {}
    rounded, hf = {}, {}
    for name, array in weights.items():
        bf16 = (array.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
        rounded[name] = (bf16.astype(np.uint32) << 16).view(np.float32)
        if ".switch_mlp." not in name:
            hf[name] = ("BF16", bf16)
            continue
        head, proj = name.split(".switch_mlp.")
        proj = proj.removesuffix(".weight")
        for e in range(bf16.shape[0]):
            hf[f"{head}.experts.{e}.{names.get(proj, proj)}.weight"] = ("BF16", bf16[e])
    out.mkdir()
    for f in source.iterdir():
        if f.suffix == ".json" and f.name != "model.safetensors.index.json":
            shutil.copy(f, out / f.name)
    keys = sorted(hf)
    shards = {
        "model-00001-of-00002.safetensors": keys[::2],
        "model-00002-of-00002.safetensors": keys[1::2],
    }
    for shard, members in shards.items():
        _write_safetensors(out / shard, {k: hf[k] for k in members})
    index = {"weight_map": {k: s for s, members in shards.items() for k in members}}
    (out / "model.safetensors.index.json").write_text(json.dumps(index))
    reference = out.parent / f"{out.name}-rounded"
    shutil.copytree(source, reference, ignore=shutil.ignore_patterns("*.safetensors", "*.gguf"))
    save_file(rounded, str(reference / "model.safetensors"))
    return reference


def test_hugging_face_layout_in_bfloat16_shards_converts_to_the_same_tensors(source, tmp_path):
    import gguf

    reference = _hf_layout(source, tmp_path / "hf")
    files = {}
    for folder in (tmp_path / "hf", reference):
        files[folder] = tmp_path / f"{folder.name}.gguf"
        write_f16_gguf(inspect_source(folder), files[folder], lambda p: None, threading.Event())
    hf, ref = (gguf.GGUFReader(str(files[f])).tensors for f in (tmp_path / "hf", reference))
    assert [t.name for t in hf] == [t.name for t in ref]
    for a, b in zip(hf, ref, strict=True):
        assert np.array_equal(np.asarray(a.data), np.asarray(b.data)), a.name


@pytest.fixture
def tiny_src(tiny_model, tmp_path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(tiny_model, src, ignore=shutil.ignore_patterns("*.gguf"))
    return src


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 1000])


def _byte_fallback(path: Path) -> None:
    """Byte fallback without SentencePiece's "▁" for spaces: a kind llama.cpp has no name for."""
    spec = json.loads(path.read_text())
    spec["model"]["byte_fallback"] = True
    path.write_text(json.dumps(spec))


def _edit_json(path: Path, **changes) -> None:
    path.write_text(json.dumps(json.loads(path.read_text()) | changes))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda s: (s / "config.json").unlink(), "missing config.json"),
        (lambda s: _edit_json(s / "config.json", model_type="llama"), "cannot convert 'llama'"),
        (lambda s: (s / "model.safetensors").unlink(), "has no weights"),
        (lambda s: _truncate(s / "model.safetensors"), "model.safetensors is truncated"),
        (
            lambda s: (s / "model.safetensors.index.json").write_text(
                json.dumps({"weight_map": {"a": "model.safetensors", "b": "model-2.safetensors"}})
            ),
            "1 of 2 weight files are missing (model-2.safetensors)",
        ),
        (
            lambda s: _write_safetensors(
                s / "model.safetensors",
                {
                    "w.weight": ("U8", np.zeros(4, np.uint8)),
                    "w.scales": ("F16", np.zeros(1, np.float16)),
                },
            ),
            "already quantised",
        ),
        (
            lambda s: _byte_fallback(s / "tokenizer.json"),
            "falls back to bytes but does not mark spaces with '▁'",
        ),
        (lambda s: _edit_json(s / "tokenizer_config.json", chat_template=None), "no chat template"),
    ],
)
def test_a_broken_or_unsupported_folder_is_refused_before_any_work(
    tiny_src, tmp_path, damage, message
):
    damage(tiny_src)
    out = tmp_path / "out"
    with pytest.raises(ModelError, match=re.escape(message)):
        convert_to_gguf(tiny_src, out / "m.gguf", 8)
    assert not out.exists() or not any(out.iterdir())


def test_not_enough_disk_is_refused_with_the_sizes(tiny_src, tmp_path, monkeypatch):
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(gguf_convert.shutil, "disk_usage", lambda p: usage._replace(free=10_000))
    with pytest.raises(ModelError, match=r"not enough free disk .* needs about .* 10\.0 kB free"):
        convert_to_gguf(tiny_src, tmp_path / "out" / "m.gguf", 4)
    assert not any((tmp_path / "out").iterdir())


def test_cancel_and_a_failing_quantiser_leave_nothing_behind(tiny_src, tmp_path, monkeypatch):
    out = tmp_path / "out"
    cancel = threading.Event()
    with pytest.raises(ConvertCancelled):
        convert_to_gguf(
            tiny_src, out / "m.gguf", 8, on_progress=lambda p: cancel.set(), cancel=cancel
        )
    assert list(out.iterdir()) == []
    # llama.cpp itself refusing (an unknown file type): its own words, and no files either.
    monkeypatch.setitem(gguf_convert.QUANTS, 8, ("BROKEN", 9999, 1.0))
    with pytest.raises(ModelError, match="llama.cpp could not quantise the model to BROKEN"):
        convert_to_gguf(tiny_src, out / "m.gguf", 8)
    assert list(out.iterdir()) == []


def test_an_existing_output_is_never_overwritten(tiny_src, tmp_path):
    dest = tmp_path / "m.gguf"
    dest.write_bytes(b"the user's file")
    with pytest.raises(ModelError, match="already exists"):
        convert_to_gguf(tiny_src, dest, 8)
    assert dest.read_bytes() == b"the user's file"


def test_the_command_line_converts_with_a_progress_bar(tiny_src, tmp_path, capfd, fennec_home):
    capsys = capfd  # file descriptors: llama.cpp's C code writes to them directly
    dest = tmp_path / "tiny-Q8_0.gguf"
    assert (
        main(
            ["models", "convert", str(tiny_src), "--to", "gguf", "--bits", "8", "--out", str(dest)]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert captured.out.strip().endswith(f"ready: {dest}")
    assert "writing tensors: 27 of 27" in captured.err
    assert "quantising to Q8_0: 1 of 1" in captured.err
    assert "llama_model_loader" not in captured.err  # llama.cpp's own log stays out
    # No --out: Fennec's model folder, named after the source and the quantisation.
    assert main(["models", "convert", str(tiny_src), "--to", "gguf", "--bits", "4"]) == 0
    made = fennec_home / "models" / "src-Q4_K_M.gguf"
    assert capsys.readouterr().out.strip().endswith(f"ready: {made}")
    assert made.stat().st_size > 0
    _edit_json(tiny_src / "config.json", model_type="fennec_imaginary")
    assert (
        main(
            ["models", "convert", str(tiny_src), "--to", "gguf", "--out", str(tmp_path / "x.gguf")]
        )
        == 1
    )
    assert "cannot convert 'fennec_imaginary' models to GGUF" in capsys.readouterr().err
