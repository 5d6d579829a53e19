"""Persistent prompt caches: a conversation's KV saved on disk is found by prefix, loaded after
a restart (cached_tokens shows it) with the same answer, kept under its byte budget, and a
corrupt or mismatched file is deleted and ignored, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inference.prompt_store import MIN_SAVED_TOKENS, PromptStore

IDENTITY = {"model": "m", "weights": "w:1:2", "engine": "llamacpp", "kv_bits": 16, "adapter": None}
N = MIN_SAVED_TOKENS


def _store(root: Path, budget: int = 10**9, **identity) -> PromptStore:
    return PromptStore(root, IDENTITY | identity, budget, ".state")


def _write(payload: bytes):
    return lambda path: path.write_bytes(payload)


def test_the_longest_saved_prefix_of_a_prompt_is_found(tmp_path):
    store = _store(tmp_path)
    short, longer = list(range(N)), list(range(N + 50))
    store.save(short, _write(b"a" * 10))
    store.save([7] * N, _write(b"b" * 10))
    store.save(longer, _write(b"c" * 10))
    found = store.longest_prefix(list(range(N + 80)))
    assert found is not None and found.tokens == longer and found.common == N + 50
    assert store.longest_prefix([7] * (N + 3)).tokens == [7] * N
    assert store.longest_prefix([9] * (N + 3)) is None
    # A prompt that leaves a saved conversation part way still uses its shared start.
    diverging = list(range(N)) + [-1] * 10
    assert store.longest_prefix(diverging).common == N
    assert store.longest_prefix(list(range(100)) + [-1] * N) is None  # too little shared
    # `short` was dropped when `longer` (which holds it) was saved.
    assert len(list(store.folder.glob("*.json"))) == 2


def test_short_conversations_are_not_saved(tmp_path):
    assert _store(tmp_path).save(list(range(N - 1)), _write(b"x")) is None
    assert not tmp_path.exists() or not list(tmp_path.rglob("*.state"))


def test_a_truncated_or_altered_file_is_deleted_and_ignored(tmp_path):
    store = _store(tmp_path)
    path = store.save(list(range(N)), _write(b"x" * 100))
    path.write_bytes(b"x" * 60)  # truncated
    assert store.longest_prefix(list(range(N + 1))) is None
    assert not path.exists() and not path.with_suffix(".json").exists()
    path = store.save(list(range(N)), _write(b"x" * 100))
    path.write_bytes(b"y" * 100)  # same length, other bytes
    assert store.longest_prefix(list(range(N + 1))) is None and not path.exists()


def test_a_damaged_record_is_deleted_and_ignored(tmp_path):
    store = _store(tmp_path)
    path = store.save(list(range(N)), _write(b"x" * 10))
    path.with_suffix(".json").write_text("{not json")
    assert store.longest_prefix(list(range(N + 1))) is None and not path.exists()


def test_another_models_or_settings_cache_is_never_used(tmp_path):
    _store(tmp_path).save(list(range(N)), _write(b"x" * 10))
    for change in ({"kv_bits": 8}, {"model": "other"}, {"weights": "w:1:3"}):
        assert _store(tmp_path, **change).longest_prefix(list(range(N + 1))) is None
    # A record moved into this identity's folder from another is refused by its content.
    store = _store(tmp_path)
    sidecar = next(store.folder.glob("*.json"))
    meta = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps(meta | {"identity": IDENTITY | {"kv_bits": 4}}))
    assert store.longest_prefix(list(range(N + 1))) is None


def test_a_file_the_engine_cannot_load_is_deleted_and_the_next_best_tried(tmp_path):
    store = _store(tmp_path)
    store.save(list(range(N)), _write(b"good"))
    bad = store.save([5] + list(range(N)), _write(b"bad!"))
    assert bad is not None

    def loader(entry):
        if entry.path.read_bytes() == b"bad!":
            raise ValueError("not a state file")
        return "loaded"

    found = store.load([5] + list(range(N + 3)), loader)
    assert found is None and not bad.exists()  # the bad one was the only prefix
    entry, result = store.load(list(range(N + 3)), loader)
    assert result == "loaded" and entry.tokens == list(range(N))


def test_a_failing_writer_leaves_nothing_behind(tmp_path):
    def broken(path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError("disk full")

    store = _store(tmp_path)
    assert store.save(list(range(N)), broken) is None
    assert list(store.folder.iterdir()) == []


def test_the_byte_budget_drops_the_least_recently_used(tmp_path):
    import os

    store = _store(tmp_path, budget=250)
    first = store.save([1] * N, _write(b"x" * 100))
    second = store.save([2] * N, _write(b"x" * 100))
    os.utime(first.with_suffix(".json"), (1, 1))
    os.utime(second.with_suffix(".json"), (2, 2))
    store.longest_prefix([1] * N)  # using the first makes the second the oldest
    third = store.save([3] * N, _write(b"x" * 100))
    assert first.exists() and third.exists() and not second.exists()
    assert store.total_bytes() <= 250


def test_a_crashs_leftovers_are_swept_once_old(tmp_path):
    import os

    store = _store(tmp_path)
    kept = store.save([1] * N, _write(b"x" * 10))
    half = store.folder / "abc.partial.state"
    orphan = store.folder / "def.state"  # its record was never written
    fresh = store.folder / "ghi.partial.state"  # another worker writing right now
    for path in (half, orphan, fresh):
        path.write_bytes(b"y")
    for path in (half, orphan, kept, kept.with_suffix(".json")):
        os.utime(path, (1, 1))
    store.save([2] * N, _write(b"x" * 10))
    assert not half.exists() and not orphan.exists()
    assert fresh.exists() and kept.exists()  # recorded entries go by the budget alone


# -- both engines, in process: a fresh engine stands for a restarted worker ---------------
def _answer(engine, messages):
    from inference.requests import ChatRequest, SamplingParams

    request = ChatRequest(messages, SamplingParams(temperature=0.0, max_tokens=8))
    admission = engine.start(request)
    tokens = []
    while engine.running():
        tokens += [o.token for o in engine.step()]
    return tokens, admission.cached_tokens


LONG_CHAT = [{"role": "user", "content": "the fennec fox sheds desert heat " * 60}]


@pytest.mark.parametrize("engine_name", ["mlx", "llamacpp"])
def test_an_engine_reloads_a_saved_conversation_and_answers_the_same(
    tiny_model, tmp_path, engine_name
):
    from inference.memory_check import MemoryOptions
    from inference.model_source import load_engine, resolve

    files = resolve(str(tiny_model))
    memory = MemoryOptions(prompt_cache_dir=tmp_path / "kv")
    cold = load_engine(files, engine_name, memory=memory)
    first, cached = _answer(cold, LONG_CHAT)
    assert not list(tmp_path.rglob("*.json"))  # saved when idle, not before the answer ends
    cold.save_pending()
    cold.close()
    assert cached == 0 and len(list((tmp_path / "kv").rglob("*.json"))) == 1

    follow = LONG_CHAT + [
        {"role": "assistant", "content": "ears"},
        {"role": "user", "content": "more"},
    ]
    plain = load_engine(files, engine_name)  # no store: the reference answer
    expected, _ = _answer(plain, follow)
    plain.close()
    warm = load_engine(files, engine_name, memory=memory)
    again, cached = _answer(warm, follow)
    assert cached >= 300 and again == expected
    warm.close()

    # Corrupt every saved file: the next engine answers all the same, from scratch.
    for path in (tmp_path / "kv").rglob("*"):
        if path.is_file() and path.suffix != ".json":
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    damaged = load_engine(files, engine_name, memory=memory)
    third, cached = _answer(damaged, follow)
    assert cached == 0 and third == expected
    damaged.close()


@pytest.mark.parametrize("engine_name", ["llamacpp", "mlx"])
def test_a_worker_restart_continues_from_the_saved_kv(tiny_model, engine_name):
    """Real worker processes: the second one prefills only the new messages."""
    from tests.worker_fixtures import api_client, api_worker

    body = {"messages": LONG_CHAT, "max_tokens": 4, "temperature": 0}
    with api_worker(tiny_model, engine_name, max_batch=2) as worker, api_client(worker) as http:
        r = http.post("/chat/completions", json=body)
        assert (
            r.status_code == 200
            and r.json()["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
        )
        answer = r.json()["choices"][0]["message"]["content"]
    follow = LONG_CHAT + [
        {"role": "assistant", "content": answer},
        {"role": "user", "content": "go on"},
    ]
    with api_worker(tiny_model, engine_name, max_batch=2) as worker, api_client(worker) as http:
        r = http.post("/chat/completions", json=body | {"messages": follow})
        assert r.status_code == 200, r.text
        usage = r.json()["usage"]
        assert usage["prompt_tokens_details"]["cached_tokens"] >= 300
        assert usage["prompt_tokens"] > usage["prompt_tokens_details"]["cached_tokens"]
