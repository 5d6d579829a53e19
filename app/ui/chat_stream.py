"""One streamed answer on a background thread, reported through signals; stoppable at any
token (closing the HTTP stream makes the worker, or a remote provider, cancel the generation)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, Signal

from app.routed_chat import Connections
from app.ui.i18n import tr
from inference.client import Delta
from inference.errors import FennecError


class ChatStream(QObject):
    chunk_did_arrive = Signal(str)
    reasoning_did_arrive = Signal(str)  # the model's thinking, kept apart from the answer
    usage_did_arrive = Signal(dict)  # the answer's token counts (and what the context left out)
    stream_did_finish = Signal(str)  # finish reason: "stop", "length", "stopped"
    stream_did_fail = Signal(str)

    def __init__(self, deltas: Callable[[], Iterator[Delta]], connections: Connections) -> None:
        """`deltas` is called on the stream's thread: reading a long conversation's history
        and routing it there keeps the window responsive. Its clients come from `connections`,
        which stop() cuts and the end closes."""
        super().__init__()
        self._deltas = deltas
        self._connections = connections
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="fennec-stream")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop now, even while waiting for a slow first token: closing the connection wakes
        the reading thread, and the worker cancels the generation when it sees it close."""
        self._stop.set()
        self._connections.abort()

    def _run(self) -> None:
        reason = "stop"
        try:
            stream = self._deltas()
        except Exception as e:
            self._connections.close()
            self.stream_did_fail.emit(
                tr("could not read the conversation ({error})").format(error=e)
            )
            return
        try:
            for delta in stream:
                if self._stop.is_set():
                    reason = "stopped"
                    break
                if delta.reasoning:  # servers that think say so apart from the answer
                    self.reasoning_did_arrive.emit(delta.reasoning)
                if delta.text:
                    self.chunk_did_arrive.emit(delta.text)
                if delta.usage:
                    self.usage_did_arrive.emit(delta.usage)
                if delta.finish_reason:
                    reason = delta.finish_reason
        except Exception as e:
            if self._stop.is_set():  # our own stop() closed the connection
                reason = "stopped"
            elif isinstance(e, FennecError):  # a refused or unreachable server, a provider gone
                self.stream_did_fail.emit(str(e))
                return
            else:  # the connection died in some other way: say so calmly
                self.stream_did_fail.emit(
                    tr("the connection to the model was lost ({error})").format(error=e)
                )
                return
        finally:
            try:
                stream.close()
            except Exception:
                pass
            self._connections.close()
        self.stream_did_finish.emit(reason)
