"""One answer at a time: asked of the worker, streamed into the history as it arrives,
redrawn in the transcript at most 20 times a second, and ended (complete, stopped, error)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from app import history_context, history_profiles, history_reasoning, history_routing
from app.answer_reasoning import ReasoningTrack
from app.history import History, HistoryError
from app.profiles import ProfileStore
from app.providers import ProviderStore
from app.routed_chat import AnswerInfo, Connections, RoutedChat, offload_policy, stream_routed
from app.routing import LOCAL
from app.settings import Settings
from app.ui.chat_stream import ChatStream
from app.ui.i18n import tr
from app.ui.render import answered_words, thought_words, unseen_words
from app.ui.transcript import Transcript
from inference.client import Delta

RENDER_INTERVAL_MS = 50  # at most 20 transcript updates a second while tokens stream in


@dataclass
class RoutedDeltas:
    """One answer's deltas, called on the stream's thread: the conversation is read and routed
    there (a size rule reads it whole), and `infos` receives who is making it."""

    prompt: Callable[[], list[dict]]
    router: RoutedChat
    connections: Connections
    conversation_id: int
    params: dict
    infos: list[AnswerInfo]

    def __call__(self) -> Iterator[Delta]:
        messages = self.prompt()
        info = self.router.begin(self.conversation_id, messages)
        self.infos.append(info)
        params = self.params
        if not info.route.remote:
            # Fennec's worker keeps the newest turns that fit a long chat, and says how many
            # it left out; a remote provider may not know the parameter.
            params = params | {"truncation": "auto"}
        return stream_routed(info.route, self.connections, messages, info, **params)


class Answering(QObject):
    answer_did_end = Signal()
    problem_did_occur = Signal(str)  # a calm message for the banner

    def __init__(
        self,
        history: History,
        settings: Settings,
        chat_view: Transcript,
        parent: QObject,
        worker_status: Callable[[], dict | None] = lambda: None,
    ) -> None:
        super().__init__(parent)
        self.history = history
        self.settings = settings
        self.chat_view = chat_view
        self.worker_status = worker_status  # the worker's last status, for routing by heat
        self.provider_store: Callable[[], ProviderStore] = ProviderStore  # tests inject theirs
        self.profiles = ProfileStore()
        self.stream: ChatStream | None = None
        self.message_id: int | None = None  # the answer being streamed
        self._answer_info: list[AnswerInfo] = []  # who is making it: filled on its thread
        self._streamed: list[str] = []  # its chunks, kept for the view
        self.clock: Callable[[], float] = time.monotonic  # how long the model thought
        self.reasoning = ReasoningTrack(self.clock)
        self.unseen_messages = 0  # what the worker's context left out of this answer
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
        profile_name = history_profiles.profile_name(self.history, cid)
        profile = self.profiles.get(profile_name) if profile_name else None
        if profile is not None:  # the conversation's assistant profile speaks for it
            system = profile.system_prompt

        def prompt() -> list[dict]:  # runs on the stream's thread: O(conversation)
            messages = self.history.prompt_messages(cid, answer)
            return [{"role": "system", "content": system}, *messages] if system else messages

        params = {
            "temperature": self.settings.get("temperature"),
            "max_tokens": self.settings.get("max_tokens"),
        }
        think = history_reasoning.think(self.history, cid)
        if think is not None:  # the conversation's switch; a template without one ignores it
            params["think"] = think
        store = self.provider_store()
        connections = Connections((base_url, token) if base_url else None, store)
        router = RoutedChat(
            self.history,
            connections,
            lambda: [p.name for p in store.list()],
            self.worker_status,
            offload_policy(self.settings),
            has_local=bool(base_url),
        )
        self._answer_info = []
        deltas = RoutedDeltas(prompt, router, connections, cid, params, self._answer_info)
        self.stream = ChatStream(deltas, connections)
        # Each handler learns which stream spoke: a late signal from a stopped stream must not
        # touch the next answer.
        stream = self.stream
        stream.chunk_did_arrive.connect(lambda text: self._on_chunk(stream, text))
        stream.reasoning_did_arrive.connect(lambda text: self._on_reasoning(stream, text))
        stream.usage_did_arrive.connect(lambda usage: self._on_usage(stream, usage))
        stream.stream_did_finish.connect(lambda reason: self._on_finished(stream, reason))
        stream.stream_did_fail.connect(lambda message: self._on_failed(stream, message))
        self._streamed = []
        self.reasoning = ReasoningTrack(self.clock)
        self.unseen_messages = 0
        stream.start()
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
        footer = ""
        if self.message_id is not None:
            try:
                self.history.finish(self.message_id, status)
                # Who made it (a remote that failed over says so); nothing routed yet: local.
                info = self._answer_info[0] if self._answer_info else None
                target, note = (info.answered_by, info.note) if info else (LOCAL, None)
                footer = answered_words(target, note)
                if self.unseen_messages:
                    history_context.set_unseen(self.history, self.message_id, self.unseen_messages)
                    footer = " · ".join([footer, unseen_words(self.unseen_messages)])
                history_routing.set_answered_by(self.history, self.message_id, target, note)
                self._save_reasoning(final=True)
            except HistoryError as e:
                self.problem_did_occur.emit(str(e))
        self.chat_view.end_streaming(
            "".join(self._streamed), status, footer, self.reasoning.text, self.reasoning.seconds()
        )
        self._dirty = False
        self.stream = None
        self.message_id = None
        self.answer_did_end.emit()

    def _on_usage(self, stream: ChatStream, usage: dict) -> None:
        if stream is self.stream:
            fennec = usage.get("fennec") if isinstance(usage.get("fennec"), dict) else {}
            self.unseen_messages = int(fennec.get("truncated_messages") or 0)

    def _on_reasoning(self, stream: ChatStream, text: str) -> None:
        if stream is not self.stream or self.message_id is None:
            return
        self.reasoning.add(text)
        self._dirty = True

    def _save_reasoning(self, final: bool = False) -> None:
        if self.message_id is not None and self.reasoning.due(final):
            seconds = self.reasoning.seconds()
            history_reasoning.set_reasoning(
                self.history, self.message_id, self.reasoning.text, seconds
            )

    def _on_chunk(self, stream: ChatStream, text: str) -> None:
        if stream is not self.stream or self.message_id is None:
            return
        self.reasoning.answer_began()
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
            tr("The answer was interrupted: {reason}. What arrived is kept.").format(reason=message)
        )

    def _render_if_dirty(self) -> None:
        if self.message_id is not None and self.reasoning.thinking:
            self._dirty = True  # the "Thinking… N s" count moves on while tokens do not
        if self._dirty and self.message_id is not None:
            self._dirty = False
            note = thought_words(self.reasoning.seconds(), self.reasoning.thinking)
            self.chat_view.update_streaming("".join(self._streamed), note)
            try:
                self._save_reasoning()
            except HistoryError as e:
                self.problem_did_occur.emit(str(e))
