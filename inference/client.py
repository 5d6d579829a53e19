"""A small OpenAI-compatible chat client: the same code talks to the local worker or a remote API."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from inference.errors import FennecError


class ClientError(FennecError):
    """The server answered with an error, or could not be reached."""


@dataclass(frozen=True)
class Delta:
    """One piece of a streamed answer; the last one carries finish_reason and usage.

    `reasoning`: the model's reasoning (the server's `delta.reasoning_content`), apart from
    the answer in `text`; a piece carries one or the other, or neither."""

    text: str
    finish_reason: str | None = None
    usage: dict | None = None
    reasoning: str = ""


class ChatClient:
    def __init__(self, base_url: str, token: str | None, timeout: float = 600.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self._active: httpx.Response | None = None
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=httpx.Timeout(timeout, connect=5.0)
        )

    def close(self) -> None:
        self._http.close()

    def models(self) -> list[str]:
        return [m["id"] for m in self._get("/models")["data"]]

    def status(self) -> dict:
        return self._get("/fennec/status")

    def _get(self, path: str) -> dict:
        try:
            r = self._http.get(path)
        except httpx.HTTPError as e:
            raise ClientError(f"cannot reach {self.base_url}: {e}") from None
        _raise_for(r)
        return r.json()

    def stream_chat(
        self, messages: list[dict], model: str = "default", **params
    ) -> Iterator[Delta]:
        """Stream an answer; closing the iterator early cancels the generation server-side."""
        body = {
            "model": model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            **params,
        }
        try:
            with self._http.stream("POST", "/chat/completions", json=body) as r:
                self._active = r
                if r.status_code >= 400:
                    r.read()
                    _raise_for(r)
                finish = None
                for line in r.iter_lines():
                    if not line.startswith("data: "):
                        continue
                    data = line[6:]
                    if data == "[DONE]":
                        return
                    event = json.loads(data)
                    if "error" in event:
                        raise ClientError(event["error"].get("message", "generation failed"))
                    if event.get("usage") and not event.get("choices"):
                        yield Delta("", finish, event["usage"])
                        continue
                    choice = event["choices"][0]
                    finish = choice.get("finish_reason")
                    delta = choice.get("delta") or {}
                    text = delta.get("content") or ""
                    reasoning = delta.get("reasoning_content") or ""
                    if text or reasoning or finish:
                        yield Delta(text, finish, reasoning=reasoning)
                # No [DONE]: the server went away between two chunks (killed, crashed).
                raise ClientError("the connection closed before the answer was complete")
        except httpx.HTTPError as e:
            raise ClientError(f"connection to {self.base_url} failed: {e}") from None
        finally:
            self._active = None

    def abort(self) -> None:
        """From any thread: cut the streaming connection now. A blocked read returns at once
        and the server sees the disconnect (and cancels the generation)."""
        response = self._active
        if response is None:
            return
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed


def _raise_for(r: httpx.Response) -> None:
    if r.status_code < 400:
        return
    try:
        message = r.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = r.text[:200]
    raise ClientError(f"HTTP {r.status_code}: {message}")
