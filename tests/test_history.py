"""History: migrations, streaming writes, full-text search in any language, export, delete."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from app.history import MIGRATIONS, History, HistoryError


@pytest.fixture
def history(fennec_home):
    h = History()
    yield h
    h.close()


def _chat(h: History, title: str, *pairs: tuple[str, str]) -> int:
    cid = h.create_conversation(title)
    for role, content in pairs:
        h.add_message(cid, role, content)
    return cid


def test_lives_under_fennec_home_in_wal_mode_with_migrations_recorded(history, fennec_home):
    assert history.path == fennec_home / "history.db"
    assert history.db.execute("pragma journal_mode").fetchone()[0] == "wal"
    names = [r["name"] for r in history.db["_migrations"].rows]
    assert names == [name for name, _ in MIGRATIONS]
    History().close()  # reopening applies nothing twice
    assert len(list(history.db["_migrations"].rows)) == len(MIGRATIONS)


def test_conversations_list_pin_rename_delete(history):
    a = _chat(history, "first", ("user", "hello"))
    b = _chat(history, "second", ("user", "hi"))
    assert [c.id for c in history.conversations()] == [b, a]  # most recent first
    history.pin(a)
    assert history.conversations()[0].id == a
    history.rename(b, "renamed")
    assert history.conversation(b).title == "renamed"
    history.delete_conversation(b)
    assert [c.id for c in history.conversations()] == [a]
    with pytest.raises(HistoryError, match="no conversation"):
        history.conversation(b)


def test_streaming_writes_each_chunk(history):
    cid = _chat(history, "stream", ("user", "tell me"))
    mid = history.add_message(cid, "assistant", "", status="streaming")
    for chunk in ["The ", "fennec ", "fox"]:
        history.append(mid, chunk)
    assert history.messages(cid)[-1].content == "The fennec fox"
    assert [m.id for m in history.interrupted()] == [mid]
    history.finish(mid, "stopped")
    assert history.interrupted() == []
    assert history.search("fennec")[0].message_id == mid


def test_search_ranks_and_highlights(history):
    _chat(
        history,
        "thermal",
        ("user", "How does the governor keep the laptop cool?"),
        ("assistant", "The governor lowers the batch size when the laptop gets hot."),
    )
    _chat(history, "other", ("user", "Write a poem about the sea."))
    hits = history.search("laptop")
    assert len(hits) == 2 and all("[laptop]" in h.snippet for h in hits)
    assert hits[0].conversation_title == "thermal"
    assert history.search("governor batch")[0].role == "assistant"  # all words must match
    assert history.search("zebra") == []


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("快速的棕色狐狸跳过了懒狗", "狐狸"),  # Chinese, two characters
        ("快速的棕色狐狸跳过了懒狗", "狗"),  # one character
        ("東京は日本の首都です", "日本の首都"),  # Japanese, a phrase
        ("오늘 날씨가 좋네요", "날씨"),  # Korean
        ("The mixture of experts", "mixt"),  # the last word typed so far: a prefix
        ("Learning Go and AI", "go"),  # one- and two-letter Latin words: whole words
        ("Learning Go and AI", "AI"),
        ("GPT-4 and Qwen3-MoE", "qwen3"),
    ],
)
def test_search_works_for_cjk_and_short_queries(history, text, query):
    mid = history.add_message(history.create_conversation("x"), "user", text)
    hits = history.search(query)
    assert [h.message_id for h in hits] == [mid]
    assert "[" in hits[0].snippet and "\u200b" not in hits[0].snippet


def test_prefix_only_fills_in_when_the_whole_word_is_not_enough(history):
    cid = history.create_conversation("x")
    exact = history.add_message(cid, "user", "the laptop")
    longer = history.add_message(cid, "user", "laptops everywhere")
    assert {h.message_id for h in history.search("laptop")} == {exact, longer}
    assert [h.message_id for h in history.search("laptop", limit=1)] == [exact]
    assert history.search("la") == []  # two letters: a word, not a prefix


def test_cjk_phrase_is_not_scattered_characters(history):
    history.add_message(history.create_conversation("x"), "user", "日本の首都")
    assert history.search("首日") == []


@pytest.mark.parametrize("query", ['"unbalanced', "AND OR NOT", "foo)(", "*", "NEAR(", "-x"])
def test_odd_query_syntax_never_raises(history, query):
    _chat(history, "x", ("user", "and or not near foo x"))
    assert isinstance(history.search(query), list)


def test_delete_removes_from_the_index(history):
    cid = _chat(history, "secret", ("user", "my passport number"))
    assert history.search("passport")
    history.delete_conversation(cid)
    assert history.search("passport") == []
    count = history.db.execute("select count(*) from messages_fts").fetchone()[0]
    assert count == 0


def test_edit_and_regenerate_helpers(history):
    cid = _chat(history, "x", ("user", "one"), ("assistant", "two"), ("user", "three"))
    first = history.messages(cid)[0].id
    history.edit(first, "uno")
    history.delete_after(cid, first)
    assert [m.content for m in history.messages(cid)] == ["uno"]
    assert history.search("uno") and not history.search("three")


def test_export(history):
    cid = _chat(history, "Export me", ("user", "question"), ("assistant", "answer"))
    md = history.export_markdown(cid)
    assert md.startswith("# Export me") and "**Assistant**" in md and "answer" in md
    data = json.loads(history.export_json(cid))
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]


def test_a_killed_writer_never_corrupts_and_loses_at_most_the_last_chunk(fennec_home):
    script = textwrap.dedent("""
        import os, sys
        from app.history import History
        h = History()
        cid = h.create_conversation("crash")
        mid = h.add_message(cid, "assistant", "", status="streaming")
        for i in range(200):
            h.append(mid, f"chunk{i} ")
            if i == 150:
                print(mid, flush=True)
                os.kill(os.getpid(), 9)
    """)
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=os.environ | {"FENNEC_HOME": str(fennec_home)},
        timeout=60,
    )
    assert out.returncode == -9
    conn = sqlite3.connect(fennec_home / "history.db")
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    conn.close()
    h = History()
    message = h.interrupted()[0]
    assert message.content.split()[-1] == "chunk150"
    h.close()


def test_unreadable_database_is_a_clear_error(fennec_home):
    fennec_home.mkdir(parents=True)
    (fennec_home / "history.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError, match="cannot open the history"):
        History()


def test_full_disk_is_a_clear_message_and_earlier_chunks_stay(history):
    cid = _chat(history, "x", ("user", "q"))
    mid = history.add_message(cid, "assistant", "", status="streaming")
    history.append(mid, "kept ")
    pages = history.db.execute("pragma page_count").fetchone()[0]
    history.db.execute(f"pragma max_page_count = {pages}")  # a disk with no room left
    with pytest.raises(HistoryError, match="disk is full"):
        history.append(mid, "lost " * 20_000)
    history.db.execute("pragma max_page_count = 1073741823")
    assert history.messages(cid)[-1].content == "kept "
    history.append(mid, "again")  # usable again once space is back
    assert history.messages(cid)[-1].content == "kept again"


@pytest.mark.parametrize("corpus", ["chat", "worst"])
def test_search_benchmark_runs_and_reports(tmp_path, corpus, capsys):
    from app.bench_history import run_history_bench

    out = tmp_path / "history.json"
    assert run_history_bench([2000], out, corpus) == 0
    data = json.loads(out.read_text())
    assert data["corpus"] == corpus and data["2000"]["p95_ms"] > 0
    assert "messages: search p50" in capsys.readouterr().out
