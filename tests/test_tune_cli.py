"""`fennec tune` and `fennec tune list` as a user meets them."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.tune_cli import format_progress
from app.tune_store import adapters_root, find_adapter
from inference.errors import ModelError
from inference.lora_train import TuneProgress


def _qa(path, n: int = 6):
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"question {i}?"},
                {"role": "assistant", "content": f"answer {i}."},
            ]
        }
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_malformed_data_is_reported_by_line_before_any_training(tiny_model, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "fine"}) + "\n{oops\n" + json.dumps({"text": ""}) + "\n")
    code = main(["tune", "--model", str(tiny_model), "--data", str(bad), "--out", "x"])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad.jsonl has 2 bad line(s)" in err
    assert "line 2: not valid JSON" in err and 'line 3: "text" must be' in err
    assert "Traceback" not in err
    assert not adapters_root().exists()  # nothing was created


def test_tune_needs_model_data_and_out(capsys):
    assert main(["tune", "--data", "x.jsonl"]) == 2
    assert "tune needs --model, --out" in capsys.readouterr().err


def test_a_short_run_reports_progress_and_is_listed_under_its_base(
    tiny_model, tmp_path, capsys, monkeypatch
):
    from app import tuning_status

    seen = []  # what the app's tray would read while the run goes on
    writes = tuning_status.write_status

    def write_and_read(*a, **k):
        writes(*a, **k)
        seen.append(tuning_status.read_status())

    monkeypatch.setattr(tuning_status, "write_status", write_and_read)
    data = _qa(tmp_path / "qa.jsonl")
    args = ["tune", "--model", str(tiny_model), "--data", str(data), "--out", "qa"]
    code = main([*args, "--iters", "10", "--eval-every", "5", "--no-governor"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert seen and seen[-1].summary.startswith("tuning qa: step 10/10")
    assert tuning_status.read_status() is None  # gone when the run ends
    assert "[####################] 10/10" in out and "tok/s" in out and "ETA" in out
    assert "finished step 10/10" in out and "val loss 0:" in out
    folder = adapters_root() / tiny_model.name / "qa"
    assert (folder / "adapters.safetensors").exists() and (folder / "adapter-lora.gguf").exists()
    assert find_adapter("qa") == folder

    assert main(["tune", "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0] == tiny_model.name
    assert listing[1].split()[:4] == ["qa", "r=16", "alpha=32", "q_proj,v_proj"]
    assert "step 10/10" in listing[1]


def test_list_is_empty_at_first_and_unknown_names_are_explained(capsys):
    assert main(["tune", "list"]) == 0
    assert "no adapters yet" in capsys.readouterr().out
    with pytest.raises(ModelError, match="no adapter named 'ghost'"):
        find_adapter("ghost")


def test_progress_line_shows_bar_losses_speed_and_time_left():
    line = format_progress(
        TuneProgress(50, 200, train_loss=2.5, val_loss=3.25, tokens_per_s=1234.0, eta_s=125.0)
    )
    assert line.startswith("[#####...............] 50/200")
    assert "loss 2.500" in line and "val 3.250" in line
    assert "1,234 tok/s" in line and "ETA 2:05" in line and "paced" not in line
    assert "paced 30 s" in format_progress(TuneProgress(1, 2, paced_s=30.0))
