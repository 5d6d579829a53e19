"""One streamed answer on a background thread, reported through signals; stoppable at any
token (closing the HTTP stream makes the worker cancel the generation)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from inference.client import ChatClient, ClientError


class ChatStream(QObject):
    chunk_did_arrive = Signal(str)
    stream_did_finish = Signal(str)  # finish reason: "stop", "length", "stopped"
    stream_did_fail = Signal(str)

    def __init__(
        self,
        base_url: str,
        token: str,
        messages: list[dict] | Callable[[], list[dict]],
        params: dict,
    ) -> None:
        """`messages` may be a function: it is called on the stream's thread (reading a long
        conversation's history there keeps the window responsive)."""
        super().__init__()
        self._client = ChatClient(base_url, token)
        self._messages = messages
        self._params = params
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="fennec-stream")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop now, even while waiting for a slow first token: closing the connection wakes
        the reading thread, and the worker cancels the generation when it sees it close."""
        self._stop.set()
        self._client.abort()

    def _run(self) -> None:
        reason = "stop"
        try:
            messages = self._messages() if callable(self._messages) else self._messages
        except Exception as e:
            self._client.close()
            self.stream_did_fail.emit(f"could not read the conversation ({e})")
            return
        stream = self._client.stream_chat(messages, **self._params)
        try:
            for delta in stream:
                if self._stop.is_set():
                    reason = "stopped"
                    break
                if delta.text:
                    self.chunk_did_arrive.emit(delta.text)
                if delta.finish_reason:
                    reason = delta.finish_reason
        except Exception as e:
            if self._stop.is_set():  # our own stop() closed the connection
                reason = "stopped"
            elif isinstance(e, ClientError):
                self.stream_did_fail.emit(str(e))
                return
            else:  # the connection died in some other way: say so calmly
                self.stream_did_fail.emit(f"the connection to the model was lost ({e})")
                return
        finally:
            try:
                stream.close()
            except Exception:
                pass
            self._client.close()
        self.stream_did_finish.emit(reason)
