"""The terminal commands behave in a pipeline: a reader that leaves early is not an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_history_export_into_head_ends_quietly(fennec_home):
    from app.history import History

    history = History()
    cid = history.create_conversation("long")
    for i in range(400):  # more than a pipe buffer holds, so the writer meets the closed pipe
        history.add_message(cid, "user", f"line {i} " + "x" * 200)
    history.close()
    env = os.environ | {"FENNEC_HOME": str(fennec_home), "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen(
        [sys.executable, "-m", "app", "history", "export", str(cid)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert writer.stdout is not None and writer.stderr is not None
    writer.stdout.readline()
    writer.stdout.close()  # what `| head -1` does once it has its line
    err = writer.stderr.read().decode()
    assert writer.wait(60) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_typed_lines_skip_blanks_and_end_at_ctrl_d(monkeypatch, capsys):
    from app.terminal_chat import typed_lines

    typed = iter(["first", "   ", "second"])

    def fake_input(_prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    assert list(typed_lines()) == ["first", "second"]
