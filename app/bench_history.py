"""`fennec bench history`: search latency over 100k and 1M stored messages (p50/p95)."""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from app.history import History
from app.search_text import index_text

_WORDS = (
    "laptop thermal governor batch power watts fennec expert mixture model token cache "
    "stream answer question python sqlite window search history quiet cool fan desert "
    "night ears heat battery kernel sensor budget limit"
).split()
_CJK = "快速的棕色狐狸跳过了懒狗今天天气很好我们去公园散步東京は日本の首都です오늘날씨가좋네요"
QUERIES = [
    "laptop",
    "thermal governor",
    "lapt",
    "fe",
    "qu",
    "狐狸",
    "東京",
    "날씨",
    "power limit",
    "sensor",
    "x",
]


class Corpus:
    """Message text. "chat": a Zipf-distributed vocabulary of 20,000 words (as real chat is)
    with the query words among them at ordinary ranks. "worst": only the 30 query words, so
    every query word is in about half of all messages: the slowest case for ranking."""

    def __init__(self, kind: str, rng: random.Random) -> None:
        self.kind = kind
        if kind == "chat":
            vocab = [f"w{i}" for i in range(20000)]
            for rank, word in zip(range(30, 30 + 60 * len(_WORDS), 60), _WORDS, strict=False):
                vocab[rank] = word  # each query word about as common as a mid-frequency word
            self.words = vocab
            self.weights = [1.0 / (i + 1) for i in range(len(vocab))]
        else:
            self.words, self.weights = _WORDS, None

    def message(self, rng: random.Random) -> str:
        return _message(rng, self.words, self.weights)


def _message(rng: random.Random, vocab: list[str] = _WORDS, weights=None) -> str:
    words = rng.choices(vocab, weights=weights, k=rng.randint(8, 60))
    if rng.random() < 0.2:
        start = rng.randrange(len(_CJK) - 6)
        words.append(_CJK[start : start + rng.randint(2, 6)])
    return " ".join(words)


def fill(
    history: History, n: int, seed: int = 0, batch: int = 20000, corpus: str = "worst"
) -> None:
    rng = random.Random(seed)
    text_of = Corpus(corpus, rng)
    db = history.db
    per_conversation = 40
    now = time.time()
    done = 0
    while done < n:
        rows = []
        with db.conn:
            for _ in range(min(batch, n - done)):
                if done % per_conversation == 0:
                    db.execute(
                        "insert into conversations (title, created_at, updated_at, pinned,"
                        " source) values (?, ?, ?, 0, 'bench')",
                        [f"chat {done // per_conversation}", now, now],
                    )
                    cid = db.execute("select last_insert_rowid()").fetchone()[0]
                text = text_of.message(rng)
                rows.append(
                    (cid, "user" if done % 2 == 0 else "assistant", text, index_text(text), now)
                )
                done += 1
            db.conn.executemany(
                "insert into messages (conversation_id, role, content, "
                "search_text, created_at) values (?, ?, ?, ?, ?)",
                rows,
            )
        print(f"  {done}/{n} messages", end="\r", flush=True)
    print()


def measure(history: History, rounds: int = 20) -> dict:
    timings: dict[str, list[float]] = {q: [] for q in QUERIES}
    for _ in range(rounds):
        for q in QUERIES:
            start = time.perf_counter()
            history.search(q, limit=50)
            timings[q].append((time.perf_counter() - start) * 1000)
    everything = sorted(t for ts in timings.values() for t in ts)
    return {
        "p50_ms": round(statistics.median(everything), 2),
        "p95_ms": round(everything[int(len(everything) * 0.95) - 1], 2),
        "per_query_p95_ms": {
            q: round(sorted(ts)[int(len(ts) * 0.95) - 1], 2) for q, ts in timings.items()
        },
    }


def run_history_bench(sizes: list[int], json_out: Path, corpus: str = "chat") -> int:
    results: dict = {"corpus": corpus}
    with tempfile.TemporaryDirectory(prefix="fennec-bench-") as tmp:
        history = History(Path(tmp) / "bench.db")
        stored = 0
        for size in sorted(sizes):
            print(f"storing {size} messages …", flush=True)
            fill(history, size - stored, seed=size, corpus=corpus)
            stored = size
            results[str(size)] = measure(history)
            r = results[str(size)]
            verdict = "meets" if r["p95_ms"] < 30 else "misses"
            print(
                f"{size:>9} messages: search p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms "
                f"({verdict} the 30 ms target)"
            )
        history.close()
    json_out.parent.mkdir(parents=True, exist_ok=True)
    json_out.write_text(json.dumps(results, indent=2))
    print(f"JSON: {json_out}")
    return 0
