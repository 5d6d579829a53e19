"""Test doubles for remote providers: a recording OpenAI-compatible server and a keychain in
memory. The recording server logs every request it receives, whatever the path, so a test can
prove that a conversation never reached it."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: str


@dataclass
class RecordingRemote:
    """An OpenAI-compatible endpoint on loopback that answers `reply` and records requests.

    `fail_chat`: answer chat requests with a 502 (a provider having a bad day)."""

    reply: str = "remote says hi"
    models: tuple[str, ...] = ("stub-large", "stub-small")
    fail_chat: bool = False
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        remote = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _record(self) -> str:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                remote.requests.append(
                    Recorded(self.command, self.path, dict(self.headers), body)
                )
                return body

            def do_GET(self) -> None:
                self._record()
                if self.path.rstrip("/") == "/v1/models":
                    data = [{"id": m, "object": "model"} for m in remote.models]
                    self._json(200, {"object": "list", "data": data})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                self._record()
                if remote.fail_chat:
                    self._json(502, {"error": {"message": "upstream exploded"}})
                    return
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                for word in remote.reply.split(" "):
                    chunk = {"choices": [{"index": 0, "delta": {"content": word + " "}}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                end = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class MemoryKeyring(KeyringBackend):
    """A keyring backend that lives in this process only: tests never touch a real keychain."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.values:
            raise PasswordDeleteError(username)
        del self.values[(service, username)]


def install_memory_keyring() -> tuple[MemoryKeyring, KeyringBackend]:
    """Make keyring use a fresh MemoryKeyring; returns it and the backend to restore."""
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    return memory, previous
