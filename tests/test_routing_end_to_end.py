"""Privacy routing end to end: a real local worker (tiny model), a recording remote stub, the
history on disk. A Local-only conversation must never reach the remote, whatever is asked."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from app import history_routing
from app.history import MIGRATIONS, History, migrate
from app.providers import Provider, ProviderStore
from app.routed_chat import AnswerInfo, RoutedChat
from app.routing import LOCAL, OffloadPolicy, Privacy
from app.secrets import MemorySecrets
from inference.client import ChatClient
from inference.worker_process import start_worker
from tests.provider_stubs import RecordingRemote

KEY = "sk-test-9f8e7d6c5b4a-never-on-disk"
HOT_STATUS = {"active_requests": 1, "tokens_per_s": 0.5, "throttle": 0.8, "pacing_s": 0.3}
ANY_OFFLOAD = OffloadPolicy("stub", prompt_tokens_over=1, tok_s_floor=1000.0)


@pytest.fixture(scope="module")
def local_worker(tiny_model):
    w = start_worker(str(tiny_model), "llamacpp", extra_args=("--no-governor",))
    yield w
    w.stop()


@pytest.fixture
def remote():
    r = RecordingRemote()
    yield r
    r.stop()


@pytest.fixture
def setup(local_worker, remote, fennec_home, caplog):
    caplog.set_level(logging.DEBUG)
    store = ProviderStore(fennec_home / "providers.json", MemorySecrets())
    store.add(Provider("stub", remote.base_url, ("stub-large",)), KEY)
    local = ChatClient(local_worker.base_url, local_worker.token)
    opened: list[str] = []

    def connect(target: str):
        opened.append(target)
        if target == LOCAL:
            return local, "default"
        return store.client(target), store.get(target).model

    history = History(fennec_home / "history.db")

    def chat(status: dict | None = None, policy: OffloadPolicy = ANY_OFFLOAD) -> RoutedChat:
        return RoutedChat(history, connect, lambda: ["stub"], lambda: status, policy)

    yield history, chat, opened, store
    history.close()
    local.close()


def _ask(chat: RoutedChat, conversation_id: int, text: str) -> tuple[str, AnswerInfo]:
    infos: list[AnswerInfo] = []
    messages = [{"role": "user", "content": text}]
    out = "".join(
        d.text for d in chat.answer(conversation_id, messages, infos, max_tokens=6, temperature=0)
    )
    return out, infos[0]


def test_local_only_is_never_sent_anywhere(setup, remote):
    history, chat, opened, _ = setup
    cid = history.create_conversation("secret plans")
    assert history_routing.privacy(history, cid) is Privacy.LOCAL_ONLY  # the default
    history_routing.set_route_choice(history, cid, "stub")  # even an explicit choice
    for status in (HOT_STATUS, None, {}):  # hot, down, idle: offload would fire if allowed
        text, info = _ask(chat(status), cid, "the merger is on friday " * 50)
        assert text and info.answered_by == LOCAL
    assert remote.requests == []  # not one request of any kind, not even /models
    assert set(opened) == {LOCAL}
    rows = history.messages(cid)
    assert all(history_routing.answered_by(history, m.id)[0] == LOCAL for m in rows)


def test_allowed_remote_with_a_choice_goes_there_with_the_key(setup, remote):
    history, chat, _, _ = setup
    cid = history.create_conversation("homework")
    history_routing.set_privacy(history, cid, Privacy.ALLOWED_REMOTE)
    history_routing.set_route_choice(history, cid, "stub")
    text, info = _ask(chat(), cid, "hello")
    assert text == "remote says hi " and info.answered_by == "stub"
    assert info.label.startswith("answered by stub")
    (request,) = remote.chat_requests()
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert json.loads(request.body)["model"] == "stub-large"
    message = history.messages(cid)[-1]
    assert message.content == text and message.status == "complete"
    assert history_routing.answered_by(history, message.id)[0] == "stub"


def test_hot_laptop_offloads_an_allowed_conversation_and_a_cool_one_does_not(setup, remote):
    history, chat, _, _ = setup
    cid = history.create_conversation("essay")
    history_routing.set_privacy(history, cid, Privacy.ALLOWED_REMOTE)
    policy = OffloadPolicy("stub", tok_s_floor=5.0)
    _, cool = _ask(chat({"active_requests": 0}, policy), cid, "hi")
    _, hot = _ask(chat(HOT_STATUS, policy), cid, "hi")
    assert cool.answered_by == LOCAL and hot.answered_by == "stub"
    assert "floor" in (hot.note or "")
    assert len(remote.chat_requests()) == 1


def test_a_failing_remote_falls_back_to_local_with_a_note(setup, remote):
    history, chat, opened, _ = setup
    remote.fail_chat = True
    cid = history.create_conversation("flaky")
    history_routing.set_privacy(history, cid, Privacy.ALLOWED_REMOTE)
    history_routing.set_route_choice(history, cid, "stub")
    text, info = _ask(chat(), cid, "hello")
    assert text and info.answered_by == LOCAL
    assert "stub failed" in info.note and "502" in info.note
    assert opened == ["stub", LOCAL]
    last = history.messages(cid)[-1]
    assert history_routing.answered_by(history, last.id) == (LOCAL, info.note)
    assert len(remote.chat_requests()) == 1


def test_switching_back_to_local_only_stops_the_traffic(setup, remote):
    history, chat, _, _ = setup
    cid = history.create_conversation("changed my mind")
    history_routing.set_privacy(history, cid, Privacy.ALLOWED_REMOTE)
    history_routing.set_route_choice(history, cid, "stub")
    _ask(chat(), cid, "first")
    history_routing.set_privacy(history, cid, Privacy.LOCAL_ONLY)
    _, info = _ask(chat(), cid, "second")
    assert info.answered_by == LOCAL and len(remote.chat_requests()) == 1


def test_the_key_never_reaches_a_file_or_a_log(setup, remote, fennec_home, caplog, capsys):
    history, chat, _, store = setup
    cid = history.create_conversation("k")
    history_routing.set_privacy(history, cid, Privacy.ALLOWED_REMOTE)
    history_routing.set_route_choice(history, cid, "stub")
    _ask(chat(), cid, "hello")
    assert store.api_key("stub") == KEY  # it is stored, just not on disk
    on_disk = [p for p in fennec_home.rglob("*") if p.is_file()]
    assert any(p.name == "history.db" for p in on_disk)
    for path in on_disk:  # the database, its WAL, providers.json, settings
        assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in caplog.text
    captured = capsys.readouterr()
    assert KEY not in captured.out + captured.err


def test_migration_marks_old_conversations_local_only(tmp_path):
    import sqlite_utils

    db = sqlite_utils.Database(tmp_path / "old.db")
    db["_migrations"].create({"name": str, "applied_at": float}, pk="name")
    for name, step in MIGRATIONS[:2]:  # a history from before privacy routing
        step(db)
        db["_migrations"].insert({"name": name, "applied_at": 0.0})
    db["conversations"].insert({"id": 1, "title": "old", "created_at": 0, "updated_at": 0})
    assert "m003_privacy_routing" in migrate(db)
    db.conn.close()
    history = History(tmp_path / "old.db")
    assert history_routing.privacy(history, 1) is Privacy.LOCAL_ONLY
    assert history_routing.route_choice(history, 1) is None
    history.close()


def test_routing_reads_a_real_worker_status(setup, local_worker, remote):
    """The status keys routing reads are the worker's own: a paused (cooling) worker is held
    at 0 tok/s, so an Allowed-remote conversation goes out and a Local-only one stays."""
    history, chat, _, _ = setup
    client = ChatClient(local_worker.base_url, local_worker.token)
    auth = {"Authorization": f"Bearer {local_worker.token}"}

    def pause(paused: bool) -> None:
        url = local_worker.base_url + "/fennec/pause"
        httpx.post(url, json={"paused": paused}, headers=auth).raise_for_status()

    policy = OffloadPolicy("stub", tok_s_floor=1.0)
    allowed = history.create_conversation("allowed")
    history_routing.set_privacy(history, allowed, Privacy.ALLOWED_REMOTE)
    private = history.create_conversation("private")
    hi = [{"role": "user", "content": "hi"}]
    try:
        assert chat(client.status(), policy).plan(allowed, hi).target == LOCAL  # idle, cool
        pause(True)
        status = client.status()
        hot = chat(status, policy).plan(allowed, hi)
        assert hot.target == "stub" and "floor" in hot.rule
        assert chat(status, policy).plan(private, hi).target == LOCAL
    finally:
        pause(False)
        client.close()
    assert remote.requests == []  # planning sends nothing
