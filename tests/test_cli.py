"""The `fennec` command line as people type it."""

from __future__ import annotations

import subprocess
import sys

import pytest


def fennec(*args: str, timeout: float = 180, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=timeout, **kw
    )


@pytest.mark.parametrize("engine", ["mlx", "llamacpp"])
def test_one_shot_chat_streams_an_answer(tiny_model, engine):
    out = fennec(
        "chat",
        "--model",
        str(tiny_model),
        "--engine",
        engine,
        "--max-tokens",
        "8",
        "--temperature",
        "0",
        "Hello fennec",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()
    assert "Traceback" not in out.stderr


def test_interactive_chat_reads_turns_until_eof(tiny_model):
    out = fennec(
        "chat",
        "--model",
        str(tiny_model),
        "--max-tokens",
        "4",
        input="first question\nsecond question\n",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("> ") >= 2


def test_chat_with_a_missing_model_says_so(tmp_path):
    out = fennec("chat", "--model", str(tmp_path / "nope"), "hi")
    assert out.returncode == 2
    assert "no model at" in out.stderr and "Traceback" not in out.stderr


def test_make_model_writes_every_format(tmp_path):
    out = fennec("dev", "make-model", str(tmp_path / "m"), "--arch", "olmoe", "--format", "gguf")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "m" / "model-f32.gguf").stat().st_size > 100_000
    assert (tmp_path / "m" / "tokenizer.json").exists()


def test_terminal_chat_is_recorded_and_searchable_from_the_history_commands(tiny_model):
    out = fennec(
        "chat",
        "--model",
        str(tiny_model),
        "--max-tokens",
        "6",
        "--temperature",
        "0",
        "The thermometer question",
    )
    assert out.returncode == 0, out.stderr
    found = fennec("history", "search", "thermometer")
    assert found.returncode == 0 and "[thermometer]" in found.stdout
    conversation_id = found.stdout.split()[0].lstrip("#")
    shown = fennec("history", "show", conversation_id)
    assert "**User**" in shown.stdout and "**Assistant**" in shown.stdout
    exported = fennec("history", "export", conversation_id, "--format", "json")
    import json

    data = json.loads(exported.stdout)
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]
    assert data["messages"][1]["status"] == "complete" and data["messages"][1]["content"]
    assert fennec("history", "search", "nothing-like-this").returncode == 1
    assert fennec("history", "show", "999").returncode == 1


def test_thermal_bench_with_an_unknown_profile_names_the_builtins():
    out = fennec("bench", "thermal", "--profile", "no-such-laptop")
    assert out.returncode == 2
    assert "fanless-laptop" in out.stderr and "Traceback" not in out.stderr
