"""Remote providers: `fennec providers add|list|remove`, `fennec chat --provider`, the key's
whereabouts, and a real OpenAI-compatible server that is not ours (mlx_lm.server)."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import time

import httpx
import keyring
import pytest

from app import history_routing
from app.cli import main
from app.history import History
from app.providers import (
    Provider,
    ProviderError,
    ProviderStore,
    check_name,
    normalize_base_url,
    secret_name,
)
from app.routing import Privacy
from app.secrets import SERVICE, MemorySecrets
from tests.provider_stubs import RecordingRemote, install_memory_keyring

KEY = "sk-or-v1-5e3c2b1a-do-not-write-me-down"


@pytest.fixture
def memory_keyring():
    memory, previous = install_memory_keyring()
    yield memory
    keyring.set_keyring(previous)


@pytest.fixture
def remote():
    r = RecordingRemote(reply="from the stub")
    yield r
    r.stop()


def test_base_urls_and_names():
    assert normalize_base_url("gpu-box:8000") == "http://gpu-box:8000/v1"
    assert normalize_base_url("https://api.openai.com/v1/") == "https://api.openai.com/v1"
    assert normalize_base_url("https://openrouter.ai/api/v1") == "https://openrouter.ai/api/v1"
    with pytest.raises(ProviderError):
        normalize_base_url("ftp://x")
    for leaky in ("https://me:sk-secret@api.example.com/v1", "https://api.example.com/v1?key=sk"):
        with pytest.raises(ProviderError, match="keychain") as refused:
            normalize_base_url(leaky)
        assert "sk" not in str(refused.value).replace("keychain", "")
    assert check_name("office-gpu.2") == "office-gpu.2"
    for bad in ("local", "LOCAL", "", "a b", "x" * 41, "-x"):
        with pytest.raises(ProviderError):
            check_name(bad)
    assert Provider("p", "http://10.0.0.2:8000/v1").plain_http_remote
    assert not Provider("p", "http://127.0.0.1:8000/v1").plain_http_remote
    assert not Provider("p", "https://api.example.com/v1").plain_http_remote


def test_store_keeps_the_key_out_of_the_file(tmp_path):
    secrets = MemorySecrets()
    store = ProviderStore(tmp_path / "providers.json", secrets)
    store.add(Provider("cloud", "https://api.example.com/v1", ("m1", "m2")), KEY)
    assert store.api_key("cloud") == KEY and secrets.get(secret_name("cloud")) == KEY
    assert KEY not in (tmp_path / "providers.json").read_text()
    assert store.get("cloud").model == "m1"
    store.add(Provider("cloud", "https://api.example.com/v1", ("m1",), "m1"), None)
    assert store.api_key("cloud") is None  # re-added without a key: the old one is gone
    store.remove("cloud")
    assert store.list() == []
    with pytest.raises(ProviderError, match="no provider named 'cloud'"):
        store.get("cloud")
    (tmp_path / "providers.json").write_text("{not json")
    assert store.list() == []  # damaged file: empty, not a crash


def test_cli_add_list_chat_remove(memory_keyring, remote, fennec_home, monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("STUB_KEY", KEY)
    assert main(["providers", "add", "stub", remote.base_url, "--api-key-env", "STUB_KEY"]) == 0
    assert "2 model(s), key in the system keychain" in capsys.readouterr().out
    assert remote.requests[0].path == "/v1/models"
    assert remote.requests[0].headers["Authorization"] == f"Bearer {KEY}"
    assert memory_keyring.values[(SERVICE, "provider:stub")] == KEY

    assert main(["providers", "list"]) == 0
    listed = capsys.readouterr().out
    assert "stub" in listed and "key in keychain" in listed and "stub-large" in listed

    assert main(["chat", "--provider", "stub", "--max-tokens", "5", "hello there"]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "from the stub"
    assert "[answered by stub" in out.err
    body = json.loads(remote.chat_requests()[0].body)
    assert body["model"] == "stub-large" and body["max_tokens"] == 5

    history = History()
    (conversation,) = history.conversations()
    assert history_routing.privacy(history, conversation.id) is Privacy.ALLOWED_REMOTE
    answer = history.messages(conversation.id)[-1]
    assert answer.content.strip() == "from the stub"
    assert history_routing.answered_by(history, answer.id)[0] == "stub"
    history.close()

    for path in fennec_home.rglob("*"):  # history.db, its WAL, providers.json
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in caplog.text

    assert main(["providers", "remove", "stub"]) == 0
    assert (SERVICE, "provider:stub") not in memory_keyring.values
    assert main(["providers", "remove", "stub"]) == 2
    assert "no provider named" in capsys.readouterr().err


def test_key_is_never_a_command_line_argument(memory_keyring, remote, capsys):
    with pytest.raises(SystemExit):
        main(["providers", "add", "stub", remote.base_url, "--api-key", KEY])
    capsys.readouterr()


def test_unreachable_endpoint_and_failing_keychain_add_nothing(
    remote, fennec_home, capsys, monkeypatch
):
    from keyring.backends.fail import Keyring as FailKeyring

    monkeypatch.setattr(sys, "stdin", io.StringIO(KEY + "\n"))
    dead = "http://127.0.0.1:9/v1"
    assert main(["providers", "add", "dead", dead, "--no-api-key"]) == 2
    assert "could not list the models" in capsys.readouterr().err
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        code = main(["providers", "add", "stub", remote.base_url, "--api-key-stdin"])
    finally:
        keyring.set_keyring(previous)
    assert code == 2 and "keychain" in capsys.readouterr().err
    assert not (fennec_home / "providers.json").exists()


def test_chat_with_an_unknown_provider_says_so(memory_keyring, capsys):
    assert main(["chat", "--provider", "nobody", "hi"]) == 2
    assert "no provider named 'nobody'" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mlx_lm_server(tiny_model, tmp_path_factory):
    """mlx-lm's own OpenAI-compatible server on the tiny model: a remote that is not ours."""
    port = _free_port()
    # mlx_lm.server's /v1/models scans the hub cache and fails (an empty reply) without one
    hub_cache = tmp_path_factory.mktemp("hf-hub")
    cmd = [sys.executable, "-m", "mlx_lm", "server", "--model", str(tiny_model)]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port), "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HF_HUB_CACHE": str(hub_cache)},
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/models", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("mlx_lm.server did not start")
    yield base
    proc.terminate()
    proc.wait(10)


def test_mlx_lm_server_as_a_provider(memory_keyring, mlx_lm_server, capsys, tiny_model):
    assert main(["providers", "add", "mlx", mlx_lm_server, "--no-api-key"]) == 0
    capsys.readouterr()
    provider = ProviderStore().get("mlx")
    assert str(tiny_model.resolve()) in provider.models  # it lists the folder it loaded
    # mlx_lm.server serves the model it loaded under its path
    args = ["chat", "--provider", "mlx", "--model", str(tiny_model), "--max-tokens", "6"]
    assert main([*args, "--temperature", "0", "hello"]) == 0
    out = capsys.readouterr()
    assert out.out.strip() and "[answered by mlx" in out.err


def test_chat_with_a_failing_provider_is_an_error_recorded_as_such(memory_keyring, remote, capsys):
    assert main(["providers", "add", "stub", remote.base_url, "--no-api-key"]) == 0
    remote.fail_chat = True
    assert main(["chat", "--provider", "stub", "hi"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 502: upstream exploded" in err and "fall back" not in err
    assert len(remote.chat_requests()) == 1
    history = History()
    (conversation,) = history.conversations()
    assert history.messages(conversation.id)[-1].status == "error"
    history.close()
