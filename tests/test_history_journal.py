"""Streamed chunks go to a journal (O(chunk) per write) and are folded into the message and its
search entry every few seconds, at the end of the answer, and after a crash."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from app.history import FOLD_INTERVAL_S, History


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def history(fennec_home, clock):
    h = History(clock=clock)
    yield h
    h.close()


def _streaming(h: History) -> tuple[int, int]:
    cid = h.create_conversation("stream")
    h.add_message(cid, "user", "tell me")
    return cid, h.add_message(cid, "assistant", "", status="streaming")


def _row_content(h: History, mid: int) -> str:
    return h.db.execute("select content from messages where id = ?", [mid]).fetchone()[0]


def test_a_chunk_is_journalled_not_rewritten_into_the_message(history):
    cid, mid = _streaming(history)
    for word in ["The ", "fennec ", "fox"]:
        history.append(mid, word)
    assert _row_content(history, mid) == ""  # the message row was not rewritten per chunk
    assert history.messages(cid)[-1].content == "The fennec fox"
    assert history.message(mid).content == "The fennec fox"
    assert history.messages_before(cid, None, 1)[0].content == "The fennec fox"
    assert history.search("fennec") == []  # not folded yet


def test_the_journal_is_folded_every_few_seconds_and_at_the_end(history, clock):
    cid, mid = _streaming(history)
    history.append(mid, "desert ")
    clock.now += FOLD_INTERVAL_S
    history.append(mid, "sand ")  # the interval has passed: folded with this chunk
    assert _row_content(history, mid) == "desert sand "
    assert history.search("sand")[0].message_id == mid
    history.append(mid, "dunes")
    assert history.search("dunes") == []
    history.finish(mid, "complete")
    assert _row_content(history, mid) == "desert sand dunes"
    assert history.search("dunes")[0].message_id == mid
    assert history.db.execute("select count(*) from message_chunks").fetchone()[0] == 0


def test_edit_and_delete_take_pending_chunks_with_them(history):
    cid, mid = _streaming(history)
    history.append(mid, "old text")
    history.edit(mid, "new text")
    assert history.message(mid).content == "new text"
    history.append(mid, " more")
    history.delete_after(cid, history.messages(cid)[0].id)
    history.delete_conversation(cid)
    assert history.db.execute("select count(*) from message_chunks").fetchone()[0] == 0


def test_paging_reads_a_long_conversation_newest_first(history):
    cid = history.create_conversation("long")
    ids = [history.add_message(cid, "user", f"message {i}") for i in range(25)]
    newest = history.messages_before(cid, None, 10)
    assert [m.id for m in newest] == ids[15:]
    older = history.messages_before(cid, newest[0].id, 10)
    assert [m.id for m in older] == ids[5:15]
    assert history.message_count_before(cid, ids[5]) == 5


CHILD = textwrap.dedent("""
    import sys
    from app.history import History
    clock = [0.0]
    def tick():  # half a second per chunk: some chunks are folded, others still journalled
        clock[0] += 0.5
        return clock[0]
    h = History(clock=tick)
    cid = h.create_conversation("crash")
    mid = h.add_message(cid, "assistant", "", status="streaming")
    print(mid, flush=True)
    i = 0
    while True:
        h.append(mid, f"chunk{i} ")
        print(i, flush=True)  # written only once the chunk is committed
        i += 1
""")


def test_kill_mid_append_loses_at_most_the_last_chunk_and_search_finds_the_rest(fennec_home):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"FENNEC_HOME": str(fennec_home)},
    )
    assert child.stdout is not None
    mid = int(child.stdout.readline())
    acknowledged = -1
    while acknowledged < 300:
        acknowledged = int(child.stdout.readline())
    child.send_signal(signal.SIGKILL)  # wherever it is: inside an append, most likely
    child.wait(30)
    assert child.returncode == -signal.SIGKILL
    conn = sqlite3.connect(fennec_home / "history.db")
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    conn.close()

    h = History()
    (message,) = h.interrupted()
    assert message.id == mid
    words = message.content.split()
    # Every acknowledged chunk is there, in order, with nothing torn or doubled; at most the
    # one in flight when the kill came is missing (or it made it, and so may a few more).
    assert words == [f"chunk{i}" for i in range(len(words))]
    assert len(words) >= acknowledged + 1
    h.finish(message.id, "error")  # what the window's recovery does at start
    h.close()

    h = History()
    assert h.interrupted() == []
    assert h.message(mid).content.split() == words
    assert h.search(f"chunk{acknowledged}")[0].message_id == mid
    assert h.db.execute("select count(*) from message_chunks").fetchone()[0] == 0
    h.close()
