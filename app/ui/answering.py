"""One answer at a time: asked of the worker, streamed into the history as it arrives,
redrawn in the transcript at most 20 times a second, and ended (complete, stopped, error)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app import history_routing
from app.history import History, HistoryError
from app.routing import LOCAL
from app.settings import Settings
from app.ui.chat_stream import ChatStream
from app.ui.transcript import Transcript

RENDER_INTERVAL_MS = 50  # at most 20 transcript updates a second while tokens stream in


class Answering(QObject):
    answer_did_end = Signal()
    problem_did_occur = Signal(str)  # a calm message for the banner

    def __init__(
        self, history: History, settings: Settings, chat_view: Transcript, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.history = history
        self.settings = settings
        self.chat_view = chat_view
        self.stream: ChatStream | None = None
        self.message_id: int | None = None  # the answer being streamed
        self._streamed: list[str] = []  # its chunks, kept for the view
        self._dirty = False
        self._render_timer = QTimer(self, interval=RENDER_INTERVAL_MS)
        self._render_timer.timeout.connect(self._render_if_dirty)
        self._render_timer.start()

    def start(self, conversation_id: int, base_url: str, token: str) -> bool:
        """Ask for the next answer in the conversation; False when it could not begin."""
        cid = conversation_id
        try:
            self.message_id = self.history.add_message(cid, "assistant", "", status="streaming")
        except HistoryError as e:
            # Nothing sent: the question is saved, the answer not begun.
            self.problem_did_occur.emit(str(e))
            return False
        answer = self.message_id
        system = self.settings.get("system_prompt")

        def prompt() -> list[dict]:  # runs on the stream's thread: O(conversation)
            messages = self.history.prompt_messages(cid, answer)
            return [{"role": "system", "content": system}, *messages] if system else messages

        params = {
            "temperature": self.settings.get("temperature"),
            "max_tokens": self.settings.get("max_tokens"),
        }
        self.stream = ChatStream(base_url, token, prompt, params)
        # Each handler learns which stream spoke: a late signal from a stopped stream must not
        # touch the next answer.
        stream = self.stream
        stream.chunk_did_arrive.connect(lambda text: self._on_chunk(stream, text))
        stream.stream_did_finish.connect(lambda reason: self._on_finished(stream, reason))
        stream.stream_did_fail.connect(lambda message: self._on_failed(stream, message))
        stream.start()
        self._streamed = []
        self.chat_view.add_message(self.history.message(self.message_id))
        self.chat_view.scroll_to_bottom()
        return True

    def stop(self) -> None:
        """Stop at once: what arrived stays, marked stopped; the connection is cut so the
        worker cancels the generation."""
        if self.stream is not None:
            self.stream.stop()
            self.end("stopped")

    def end(self, status: str) -> None:
        if self.message_id is not None:
            try:
                self.history.finish(self.message_id, status)
                # The window's answers are all made by the local worker, and say so.
                history_routing.set_answered_by(self.history, self.message_id, LOCAL, None)
            except HistoryError as e:
                self.problem_did_occur.emit(str(e))
        self.chat_view.end_streaming("".join(self._streamed), status)
        self._dirty = False
        self.stream = None
        self.message_id = None
        self.answer_did_end.emit()

    def _on_chunk(self, stream: ChatStream, text: str) -> None:
        if stream is not self.stream or self.message_id is None:
            return
        try:
            self.history.append(self.message_id, text)
        except HistoryError as e:
            self.problem_did_occur.emit(str(e))
        self._streamed.append(text)
        self._dirty = True

    def _on_finished(self, stream: ChatStream, reason: str) -> None:
        if stream is self.stream:
            self.end("stopped" if reason == "stopped" else "complete")

    def _on_failed(self, stream: ChatStream, message: str) -> None:
        if stream is not self.stream:
            return
        self.end("error")
        self.problem_did_occur.emit(
            f"The answer was interrupted: {message}. What arrived is kept."
        )

    def _render_if_dirty(self) -> None:
        if self._dirty and self.message_id is not None:
            self._dirty = False
            self.chat_view.update_streaming("".join(self._streamed))
