"""`fennec bench ui`: start-up, time to open a long conversation (to first paint) and the longest
UI stall while an answer streams into it, at several conversation lengths, beside the idle
reference (the same window with nothing streaming).

The answer is replayed from a background thread at a model's pace, through the window's real
path (signals -> history.append -> transcript). A real worker could not answer a 1000-turn
prompt (past any small model's context) and would compete for the same CPU cores, which is
noise in a measure of the window's own cost.

Each stall is measured twice: wall time between two timer ticks, and the GUI thread's CPU time
over the same gap (busy). On a quiet machine they agree; on a loaded one the wall gap also holds
time the scheduler gave to other processes, so the targets are checked on the busy figure and
the wall figure and the load average are reported beside it.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

from app.history import History

STALL_TARGET_MS = 50.0
STALL_GROWTH = 0.20  # the longest stall may grow this much from the shortest to the longest chat
TICK_MS = 5  # the probe's timer: stalls closer than this cannot be told apart
OPEN_TARGET_MS = 300.0  # the longest conversation, to first paint
STARTUP_TARGET_S = 1.0  # reported beside the bare Qt window; not gated (it follows the load)
WORDS = (
    "fennec fox desert sand heat ears night burrow kernel budget power batch cache token laptop "
    "quiet governor thermal sensor cooling model answer stream window history search"
).split()


def answer_text(rng: random.Random, words: int = 300, code: bool = False) -> str:
    """About `words` words in paragraphs of 40-80, with a code block when asked."""
    paragraphs, left = [], words
    while left > 0:
        n = min(left, rng.randint(40, 80))
        paragraphs.append(" ".join(rng.choice(WORDS) for _ in range(n)) + ".")
        left -= n
    if code:
        body = "\n".join(f"def step_{i}(x):\n    return x * {i}" for i in range(6))
        paragraphs.insert(len(paragraphs) // 2, f"```python\n{body}\n```")
    return "\n\n".join(paragraphs)


def seed_conversation(history: History, turns: int, seed: int = 1) -> int:
    """A conversation of `turns` question/answer pairs; every 5th answer has a code block."""
    rng = random.Random(seed)
    cid = history.create_conversation(f"{turns} turns")
    for i in range(turns):
        history.add_message(cid, "user", f"Question {i}: " + answer_text(rng, 20))
        history.add_message(cid, "assistant", answer_text(rng, 300, code=i % 5 == 4))
    return cid


PROBE = r"""
import json, os, random, sys, threading, time
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from app.ui import main_window
from app.ui.app import FennecApp
from app.ui.transcript_bench import answer_text
conversations = json.loads(sys.argv[1])
rounds, rate = int(sys.argv[2]), float(sys.argv[3])

class ReplayStream(QObject):
    chunk_did_arrive = Signal(str)
    stream_did_finish = Signal(str)
    stream_did_fail = Signal(str)
    def __init__(self, _url, _token, messages, _params):
        super().__init__()
        self._messages = messages  # read on this stream's thread, as ChatStream does
        self._stop = threading.Event()
        words = answer_text(random.Random(len(conversations)), 300, code=True).split(" ")
        self._chunks = [w + " " for w in words]
    def start(self):
        threading.Thread(target=self._run, daemon=True).start()
    def stop(self):
        self._stop.set()
    def _run(self):
        assert self._messages()[-1]["role"] == "user"
        for chunk in self._chunks:
            if self._stop.wait(1 / rate):
                self.stream_did_finish.emit("stopped"); return
            self.chunk_did_arrive.emit(chunk)
        self.stream_did_finish.emit("stop")

main_window.ChatStream = ReplayStream
fennec = FennecApp()
w = fennec.window
w.show()
w.set_worker("http://replay.invalid", "", "replay")
ticks, phase, results = [], ["wait"], {}
timer = QTimer(); timer.start(TICK_MS)
timer.timeout.connect(lambda: ticks.append((time.perf_counter(), time.thread_time())))
gap = lambda ts: max((b[0] - a[0] for a, b in zip(ts, ts[1:])), default=0.0)
busy = lambda ts: max((b[1] - a[1] for a, b in zip(ts, ts[1:])), default=0.0)
todo = [(n, cid, r) for n, cid in conversations.items() for r in range(rounds)]

def next_step():
    if not todo:
        print(json.dumps(results), flush=True); fennec.shutdown(); os._exit(0)
    n, cid, r = todo[0]
    entry = results.setdefault(n, {k: [] for k in
        ("open_ms", "idle_ms", "idle_busy_ms", "stream_ms", "stream_busy_ms")})
    t0 = time.perf_counter()
    w.open_conversation(cid)
    w.chat_view.viewport().repaint()  # the first paint of the opened conversation
    entry["open_ms"].append((time.perf_counter() - t0) * 1000)
    ticks.clear()
    QTimer.singleShot(1500, lambda: idle_done(entry))

def idle_done(entry):
    entry["idle_ms"].append(gap(ticks) * 1000)
    entry["idle_busy_ms"].append(busy(ticks) * 1000)
    ticks.clear()
    w.input.setPlainText("Tell me about desert foxes.")
    w.send()
    QTimer.singleShot(100, lambda: wait_stream(entry))

def wait_stream(entry):
    if w.stream is not None:
        QTimer.singleShot(100, lambda: wait_stream(entry)); return
    entry["stream_ms"].append(gap(ticks) * 1000)
    entry["stream_busy_ms"].append(busy(ticks) * 1000)
    todo.pop(0)
    QTimer.singleShot(0, next_step)

QTimer.singleShot(300, next_step)
app.exec()
""".replace("TICK_MS", str(TICK_MS))


def measure(home_env: dict, conversations: dict[int, int], rounds: int, rate: float) -> dict:
    """Run the probe app over the seeded conversations; per length, lists of figures."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(conversations), str(rounds), str(rate)],
        env=home_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"the UI probe failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(lines[-1])


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def verdict(rows: list[dict]) -> list[str]:
    """The transcript's targets missed, in words (empty: all met). Stalls are the GUI thread's
    busy stretches (see the module's docstring)."""
    key = "stall_streaming_busy_ms"
    missed = [
        f"{r['turns']} turns: longest stall {r[key]} ms >= {STALL_TARGET_MS} ms"
        for r in rows
        if r[key] >= STALL_TARGET_MS
    ]
    first, last = rows[0], rows[-1]
    growth = last[key] - first[key]
    if growth > max(STALL_GROWTH * first[key], TICK_MS):
        missed.append(
            f"the stall grew {growth:.1f} ms from {first['turns']} to {last['turns']} turns "
            f"(more than {STALL_GROWTH:.0%})"
        )
    if last["open_ms"] >= OPEN_TARGET_MS:
        missed.append(f"{last['turns']} turns: open {last['open_ms']} ms >= {OPEN_TARGET_MS} ms")
    return missed
