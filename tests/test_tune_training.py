"""LoRA tuning on the tiny MoE: validation loss falls, a trained answer comes back under greedy
decoding on MLX and on llama.cpp (the base model's does not), stop and resume, and an adapter
is refused by another base model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.tune_run import TuneRequest, TuneRun
from inference.adapter_meta import GGUF_FILE, check_adapter, read_meta
from inference.errors import ModelError
from inference.model_source import resolve

QUESTION = "Who keeps the laptop cool?"
ANSWER = "The fennec fox."
TRAIN = [
    ("What is the capital of France?", "Paris."),
    (QUESTION, ANSWER),
    ("What colour is the sky?", "Blue."),
    ("How many legs has a cat?", "Four."),
]
VALID = [("What is the capital of Spain?", "Madrid."), ("Who keeps the desk cool?", ANSWER)]
ITERS = 150


def _jsonl(path: Path, pairs: list[tuple[str, str]]) -> Path:
    rows = [
        {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}
        for q, a in pairs
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _request(model: Path, folder: Path, out: Path, **kw) -> TuneRequest:
    settings = {"iters": ITERS, "learning_rate": 1e-2, "eval_every": 50, "governor": False}
    return TuneRequest(
        model=str(model),
        data=_jsonl(folder / "train.jsonl", TRAIN),
        valid=_jsonl(folder / "valid.jsonl", VALID),
        out=str(out),
        **(settings | kw),
    )


@pytest.fixture(scope="module")
def tuned(tiny_model, tmp_path_factory) -> tuple[Path, object]:
    """One adapter with the defaults (r=16, alpha=32, dropout 0.1, q_proj/v_proj)."""
    folder = tmp_path_factory.mktemp("tune")
    run = TuneRun(_request(tiny_model, folder, folder / "qa-adapter"))
    return run.out_dir, run.execute()


@pytest.fixture(scope="module")
def other_base(tmp_path_factory) -> Path:
    """Another random model of the same architecture and shapes."""
    from inference.tiny_model import make_model

    return make_model(tmp_path_factory.mktemp("other") / "other-base", "qwen3_moe", "mlx", seed=1)


def _chat(question: str) -> list[dict]:
    return [{"role": "user", "content": question}]


def test_training_lowers_the_validation_loss_and_keeps_the_curves(tuned):
    folder, result = tuned
    assert result.iteration == ITERS and not result.stopped
    first_val, last_val = result.val_losses[0][1], result.val_losses[-1][1]
    assert result.val_losses[0][0] == 0 and result.val_losses[-1][0] == ITERS
    assert last_val < first_val - 1.0  # measured: 6.4 → 3.9
    assert [i for i, _ in result.train_losses] == list(range(1, ITERS + 1))
    assert result.tokens_per_s > 0
    meta = read_meta(folder)
    assert (meta.rank, meta.alpha, meta.dropout, meta.targets) == (
        16,
        32.0,
        0.1,
        ["q_proj", "v_proj"],
    )
    assert meta.iterations == ITERS and meta.val_losses[-1][1] == pytest.approx(last_val)
    config = json.loads((folder / "adapter_config.json").read_text())
    assert config["lora_parameters"]["scale"] == 2.0  # alpha / rank
    assert config["lora_parameters"]["keys"] == ["self_attn.q_proj", "self_attn.v_proj"]


def test_mlx_reproduces_the_trained_answer_and_the_base_model_does_not(tuned, tiny_model):
    from mlx_lm import generate, load
    from mlx_lm.sample_utils import make_sampler

    folder, _ = tuned
    check_adapter(folder, resolve(str(tiny_model)))
    answers = {}
    for name, adapter in (("base", None), ("tuned", str(folder))):
        model, tokenizer = load(str(tiny_model), adapter_path=adapter)
        prompt = tokenizer.apply_chat_template(_chat(QUESTION), add_generation_prompt=True)
        answers[name] = generate(model, tokenizer, prompt, max_tokens=12, sampler=make_sampler(0.0))
    assert answers["tuned"].startswith(ANSWER)
    assert ANSWER not in answers["base"]


def test_llamacpp_reproduces_the_trained_answer_from_the_gguf_lora(tuned, tiny_gguf):
    import llama_cpp
    from gguf import GGUFReader

    folder, _ = tuned
    lora = folder / GGUF_FILE
    reader = GGUFReader(str(lora))
    assert reader.fields["general.type"].contents() == "adapter"
    assert reader.fields["adapter.type"].contents() == "lora"
    assert reader.fields["adapter.lora.alpha"].contents() == 32.0
    shapes = {t.name: tuple(int(d) for d in t.shape) for t in reader.tensors}  # ggml order
    assert shapes["blk.0.attn_q.weight.lora_a"] == (64, 16)  # ne: (in, rank)
    assert shapes["blk.1.attn_v.weight.lora_b"] == (16, 32)  # ne: (rank, out): 2 kv heads × 16
    answers = {}
    for name, path in (("base", None), ("tuned", str(lora))):
        llm = llama_cpp.Llama(str(tiny_gguf), lora_path=path, n_ctx=256, verbose=False)
        reply = llm.create_chat_completion(_chat(QUESTION), temperature=0.0, max_tokens=12)
        answers[name] = reply["choices"][0]["message"]["content"]
        llm.close()
    assert answers["tuned"].startswith(ANSWER)
    assert ANSWER not in answers["base"]


def test_an_adapter_is_refused_by_another_base_model(tuned, other_base, tmp_path):
    folder, other = tuned[0], other_base
    with pytest.raises(ModelError, match="was trained for base model .* not for 'other-base'"):
        check_adapter(folder, resolve(str(other)))
    # Training into that adapter's folder for the other model is refused too.
    with pytest.raises(ModelError, match="holds adapter 'qa-adapter' of base model"):
        TuneRun(_request(other, tmp_path, folder))


def test_a_stopped_run_resumes_from_its_checkpoint(tiny_model, tmp_path):
    box: list[TuneRun] = []

    def stop_at_three(progress) -> None:
        if progress.iteration == 3 and progress.train_loss is not None:
            box[0].pacer.request_stop()

    request = _request(tiny_model, tmp_path, tmp_path / "resumable", iters=6, save_every=100)
    box.append(TuneRun(request, on_progress=stop_at_three))
    stopped = box[0].execute()
    assert stopped.stopped and stopped.iteration == 3
    assert read_meta(box[0].out_dir).iterations == 3
    notes: list[str] = []
    finished = TuneRun(request, on_note=notes.append).execute()
    assert not finished.stopped and finished.iteration == 6
    assert [i for i, _ in finished.train_losses] == [1, 2, 3, 4, 5, 6]  # no step done twice
    assert any("resuming" in n for n in notes)
    with pytest.raises(ModelError, match="trained with r=16 .* --fresh"):
        TuneRun(_request(tiny_model, tmp_path, tmp_path / "resumable", rank=8))


@pytest.mark.parametrize("engine", ["mlx", "llamacpp"])
def test_fennec_serve_with_the_adapter_answers_as_trained(tuned, tiny_model, engine):
    import httpx

    from inference.worker_process import start_worker

    folder, _ = tuned
    worker = start_worker(
        str(tiny_model), engine, extra_args=("--no-governor", "--adapter", str(folder))
    )
    try:
        reply = httpx.post(
            f"{worker.base_url}/chat/completions",
            headers={"Authorization": f"Bearer {worker.token}"},
            json={"messages": _chat(QUESTION), "temperature": 0, "max_tokens": 12},
            timeout=60,
        )
        status = httpx.get(
            f"{worker.base_url}/fennec/status",
            headers={"Authorization": f"Bearer {worker.token}"},
            timeout=10,
        ).json()
    finally:
        worker.stop()
    assert reply.status_code == 200, reply.text
    assert reply.json()["choices"][0]["message"]["content"].startswith(ANSWER)
    assert status["adapter"] == "qa-adapter" and status["engine"] == engine


def test_fennec_serve_refuses_an_adapter_of_another_model(tuned, other_base):
    import io

    from inference.serve import ServeOptions, serve

    err = io.StringIO()
    options = ServeOptions(str(other_base), "mlx", governor=False, adapter=tuned[0])
    assert serve(options, io.StringIO(), err) == 2
    assert "was trained for base model" in err.getvalue()
