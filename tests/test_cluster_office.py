"""Office server mode: per-user keys hashed at rest, rate limits, TLS with the user's own
certificate, revocation while running, and 50 concurrent clients — on a real `fennec serve`."""

from __future__ import annotations

import asyncio
import json
import re
import stat
import subprocess
import sys
import threading
import time

import httpx
import pytest

from app.cli import main
from inference.api_keys import ApiKeyError, ApiKeyStore, digest
from inference.bench_load import percentile, stream_once
from inference.key_gate import RateLimiter
from inference.worker_process import fennec_command


def test_keys_are_hashed_at_rest_and_revocable(tmp_path):
    store = ApiKeyStore(tmp_path / "keys.json")
    record, key = store.add("alice", 30)
    assert key.startswith("fk_") and len(key) > 40
    text = (tmp_path / "keys.json").read_text()
    assert key not in text and digest(key) in text
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600
    assert store.verify(key) == record and store.verify(key + "x") is None
    with pytest.raises(ApiKeyError, match="already has a key"):
        store.add("alice")
    with pytest.raises(ApiKeyError):
        store.add("bad name")
    assert store.revoke("alice") == 1
    assert store.verify(key) is None
    _, again = store.add("alice")  # a new key after a revoke
    assert store.verify(again).name == "alice" and store.verify(key) is None


def test_rate_limiter_refills_at_the_rate():
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert [limiter.take("k", 3) for _ in range(3)] == [0.0, 0.0, 0.0]  # a minute's burst
    wait = limiter.take("k", 3)
    assert wait == pytest.approx(20.0)  # 3 a minute: one every 20 s
    now[0] += 20.0
    assert limiter.take("k", 3) == 0.0
    assert limiter.take("other", 3) == 0.0  # keys do not share a bucket


def test_keys_command(tmp_path, capsys):
    keys = tmp_path / "keys.json"
    assert main(["keys", "--file", str(keys), "add", "alice", "--rate", "5"]) == 0
    out = capsys.readouterr()
    key = out.out.strip()
    assert key.startswith("fk_") and "only time" in out.err
    assert main(["keys", "--file", str(keys), "list"]) == 0
    listed = capsys.readouterr().out
    assert "alice\tlive\t5/min" in listed and key not in listed
    assert main(["keys", "--file", str(keys), "revoke", "alice"]) == 0
    assert main(["keys", "--file", str(keys), "revoke", "alice"]) == 2
    assert "revoked" in capsys.readouterr().out


@pytest.fixture(scope="module")
def office(tiny_model, tmp_path_factory):
    """A TLS worker with per-user keys: alice (fast), bob (3 a minute), 5 load users."""
    folder = tmp_path_factory.mktemp("office")
    cert, key_pem = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key_pem), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    store = ApiKeyStore(folder / "keys.json")
    keys = {"alice": store.add("alice", 6000)[1], "bob": store.add("bob", 3)[1]}
    for i in range(5):
        keys[f"user{i}"] = store.add(f"user{i}", 6000)[1]
    cmd = [
        *fennec_command(), "serve", "--model", str(tiny_model), "--engine", "llamacpp",
        "--no-governor", "--max-batch", "16", "--exit-with-parent",
        "--tls-cert", str(cert), "--tls-key", str(key_pem), "--api-keys", str(folder / "keys.json"),
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    log: list[str] = []
    found = threading.Event()
    url: list[str] = []

    def read() -> None:
        for line in proc.stdout:
            log.append(line)
            m = re.search(r"on (https://\S+) ", line)
            if m and not url:
                url.append(m.group(1))
                found.set()
        found.set()

    threading.Thread(target=read, daemon=True).start()
    assert found.wait(120) and url, "".join(log)
    yield {"url": url[0], "cert": str(cert), "keys": keys, "store": store, "log": log}
    proc.terminate()
    proc.wait(15)


def _get(office, path: str, key: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.get(office["url"] + path, headers=headers, verify=office["cert"], timeout=30)


def test_tls_and_user_keys(office):
    assert _get(office, "/models", office["keys"]["alice"]).status_code == 200
    assert _get(office, "/models", None).status_code == 401
    assert _get(office, "/models", "fk_" + "x" * 43).status_code == 401
    plain = office["url"].replace("https://", "http://")
    with pytest.raises(httpx.HTTPError):  # no plain HTTP on the TLS port
        httpx.get(plain + "/models", timeout=5).raise_for_status()
    with pytest.raises(httpx.ConnectError):  # a client that checks certificates refuses ours
        httpx.get(office["url"] + "/models", timeout=5)


def test_rate_limit_is_per_key(office):
    bob = office["keys"]["bob"]
    codes = [_get(office, "/models", bob).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = _get(office, "/models", bob)
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    assert 1 <= int(refused.headers["Retry-After"]) <= 20
    assert _get(office, "/models", office["keys"]["alice"]).status_code == 200


def test_revoke_takes_effect_on_a_running_server(office):
    store, key = office["store"], office["keys"]["user4"]
    assert _get(office, "/models", key).status_code == 200
    time.sleep(0.01)  # a distinct mtime for the rewritten file
    store.revoke("user4")
    assert _get(office, "/models", key).status_code == 401


def test_fifty_concurrent_clients_over_tls(office, capsys):
    users = [office["keys"][f"user{i}"] for i in range(4)] + [office["keys"]["alice"]]

    async def load():
        limits = httpx.Limits(max_connections=60)
        async with httpx.AsyncClient(verify=office["cert"], timeout=120, limits=limits) as c:
            started = time.perf_counter()
            timings = await asyncio.gather(
                *(
                    stream_once(c, office["url"] + "/chat/completions", users[i % 5],
                                f"Client {i}: tell me about foxes.", 16)
                    for i in range(50)
                )
            )  # fmt: skip
            return timings, time.perf_counter() - started

    timings, wall = asyncio.run(load())
    failures = [t.error for t in timings if not t.ok]
    assert failures == []
    tokens = sum(t.tokens for t in timings)
    p95 = percentile([t.ttft_s for t in timings], 95)
    figures = {"clients": 50, "failures": 0, "aggregate_tok_s": round(tokens / wall, 1),
               "ttft_p95_s": round(p95, 2), "wall_s": round(wall, 2)}  # fmt: skip
    with capsys.disabled():
        print(f"\noffice load: {json.dumps(figures)}", file=sys.stderr)
    assert tokens >= 50


def test_no_key_in_the_server_log_or_the_keys_file(office):
    text = "".join(office["log"]) + office["store"].path.read_text()
    for key in office["keys"].values():
        assert key not in text


def test_office_flags_come_from_the_environment_too(monkeypatch, tmp_path):
    from app.cli import build_parser
    from inference.office import office_options

    monkeypatch.setenv("FENNEC_TLS_CERT", str(tmp_path / "c.pem"))
    monkeypatch.setenv("FENNEC_TLS_KEY", str(tmp_path / "k.pem"))
    monkeypatch.setenv("FENNEC_API_KEYS", str(tmp_path / "keys.json"))
    args = build_parser().parse_args(["serve", "--model", "m", "--allowed-host", "ai.office"])
    options = office_options(args)
    assert options.tls and options.tls_key == tmp_path / "k.pem"
    assert options.api_keys == tmp_path / "keys.json"
    assert options.allowed_hosts == {"ai.office"}
    bare = office_options(build_parser().parse_args(["serve", "--model", "m", "--api-keys"]))
    assert bare.api_keys == tmp_path / "keys.json"  # the default file follows FENNEC_API_KEYS


def test_a_bad_certificate_is_a_clear_error(tmp_path):
    from inference.office import OfficeError, OfficeOptions, tls_config

    (tmp_path / "c.pem").write_text("not a certificate")
    with pytest.raises(OfficeError, match="cannot use the TLS certificate"):
        tls_config(OfficeOptions(tmp_path / "c.pem", tmp_path / "c.pem"))
    with pytest.raises(OfficeError, match="both"):
        tls_config(OfficeOptions(tls_cert=tmp_path / "c.pem"))
    assert tls_config(OfficeOptions()) == {}


def test_the_exposure_warning_knows_about_tls():
    from inference.serve import exposure_warning

    assert exposure_warning("127.0.0.1", tls=True) is None
    assert "plain HTTP" in exposure_warning("0.0.0.0")
    with_tls = exposure_warning("0.0.0.0", tls=True)
    assert "over TLS" in with_tls and "plain HTTP" not in with_tls


def test_the_desktop_side_adds_the_office_server_as_a_provider(office, monkeypatch, capsys):
    """The user key as the provider's key; a self-signed office certificate is trusted
    through SSL_CERT_FILE (httpx reads it), not by turning verification off."""
    import keyring

    from tests.provider_stubs import install_memory_keyring

    memory, previous = install_memory_keyring()
    try:
        monkeypatch.setenv("SSL_CERT_FILE", office["cert"])
        monkeypatch.setenv("OFFICE_KEY", office["keys"]["user0"])
        add = ["providers", "add", "office", office["url"], "--api-key-env", "OFFICE_KEY"]
        assert main(add) == 0
        assert main(["chat", "--provider", "office", "--max-tokens", "6", "hello"]) == 0
        out = capsys.readouterr()
        assert "[answered by office" in out.err
    finally:
        keyring.set_keyring(previous)
