"""`fennec bench ui`: seeds conversations, reports per length, and fails on a missed target."""

from __future__ import annotations

import json
import random

import pytest

from app.ui import transcript_bench as tb

pytestmark = pytest.mark.gui


def _row(turns: int, stall: float, open_ms: float = 50.0) -> dict:
    return {"turns": turns, "stall_streaming_busy_ms": stall, "open_ms": open_ms}


def test_verdict_names_each_missed_target():
    assert tb.verdict([_row(10, 20.0), _row(1000, 22.0)]) == []
    missed = tb.verdict([_row(10, 20.0), _row(1000, 60.0, open_ms=400.0)])
    assert len(missed) == 3  # the stall, its growth, and the open time
    assert any("grew" in m for m in missed) and any("open" in m for m in missed)


def test_seeded_answers_have_paragraphs_and_code_every_fifth(fennec_home):
    from app.history import History

    history = History()
    cid = tb.seed_conversation(history, 10)
    messages = history.messages(cid)
    answers = [m.content for m in messages if m.role == "assistant"]
    assert len(messages) == 20
    assert ["```python" in a for a in answers] == [i % 5 == 4 for i in range(10)]
    assert all(250 <= len(a.split()) <= 400 for a in answers)
    assert "\n\n" in tb.answer_text(random.Random(1))
    history.close()


def test_the_bench_runs_and_writes_its_figures(tmp_path, capsys):
    from app.ui.devtools import ui_bench

    out = tmp_path / "ui.json"
    code = ui_bench(out, turns=[3, 6], rounds=1, rate=400.0)
    data = json.loads(out.read_text())
    assert [r["turns"] for r in data["conversations"]] == [3, 6]
    assert code == (1 if data["missed"] else 0)
    for row in data["conversations"]:
        assert (
            row["open_ms"] > 0 and row["stall_streaming_ms"] + 0.2 >= row["stall_streaming_busy_ms"]
        )
    assert "6 turns: open" in capsys.readouterr().out
