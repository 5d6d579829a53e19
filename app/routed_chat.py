"""One answer of a conversation, made where `app.routing` says, recorded in the history.

The only place that turns a route into network traffic: a Local-only conversation reaches
`connect` with LOCAL and nothing else, so no remote client is ever opened for it. A remote
that fails before its first token hands an Allowed-remote answer back to the local worker,
and the answer is labelled with who made it and why.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from app import history_routing
from app.history import History
from app.routing import LOCAL, OffloadPolicy, Route, WorkerState, estimate_tokens, route
from inference.client import ChatClient, ClientError, Delta

if TYPE_CHECKING:
    from app.providers import ProviderStore
    from app.settings import Settings

# name (LOCAL or a provider) → a client and the model id to ask it for
Connect = Callable[[str], tuple[ChatClient, str]]


def offload_policy(settings: Settings) -> OffloadPolicy:
    """The user's automatic-offload rules from the settings; 0 or empty switches a rule off."""
    provider = str(settings.get("offload_provider") or "").strip()
    over = int(settings.get("offload_prompt_tokens") or 0)
    floor = float(settings.get("offload_tok_s_floor") or 0.0)
    return OffloadPolicy(provider or None, over or None, floor or None)


class Connections:
    """Clients by route target, opened on first use, cut together (stop) and closed together.

    LOCAL is this machine's worker (None: no worker, so nothing local to ask); any other
    target is a provider of the store, with its key read from the keychain when opened.
    """

    def __init__(
        self,
        local: tuple[str, str] | None,
        store: ProviderStore,
        models: dict[str, str] | None = None,
    ) -> None:
        self.local = local  # (base_url, token) of the worker
        self.store = store
        self.models = models or {}  # a target's model when not its default
        self.clients: dict[str, tuple[ChatClient, str]] = {}
        self._lock = threading.Lock()  # opened on a stream thread, aborted from the GUI's

    def __call__(self, target: str) -> tuple[ChatClient, str]:
        with self._lock:
            if target not in self.clients:
                self.clients[target] = self._open(target)
            return self.clients[target]

    def _open(self, target: str) -> tuple[ChatClient, str]:
        if target == LOCAL:
            if self.local is None:
                raise ClientError("the local model is not running, so nothing here can answer")
            return ChatClient(*self.local), "default"
        provider = self.store.get(target)
        return self.store.client(target), self.models.get(target) or provider.model

    def abort(self) -> None:
        """From any thread: cut every open stream now."""
        with self._lock:
            clients = [client for client, _ in self.clients.values()]
        for client in clients:
            client.abort()

    def close(self) -> None:
        with self._lock:
            clients, self.clients = [c for c, _ in self.clients.values()], {}
        for client in clients:
            client.close()


@dataclass
class AnswerInfo:
    """Who made the answer (filled in as it streams) and the words shown under it."""

    route: Route
    answered_by: str
    note: str | None = None
    message_id: int | None = None

    @property
    def label(self) -> str:
        text = history_routing.label(self.answered_by)
        return f"{text} ({self.note})" if self.note else text


def stream_routed(
    chosen: Route, connect: Connect, messages: list[dict], info: AnswerInfo, **params
) -> Iterator[Delta]:
    """Stream from the routed target; fall back to local where the route allows it."""
    if not chosen.remote:
        client, model = connect(LOCAL)
        yield from client.stream_chat(messages, model=model, **params)
        return
    started = False
    try:
        client, model = connect(chosen.target)
        for delta in client.stream_chat(messages, model=model, **params):
            started = started or bool(delta.text or delta.reasoning)
            yield delta
        return
    except ClientError as e:
        if started or not chosen.fallback_to_local:
            raise
        info.answered_by = LOCAL
        info.note = f"{chosen.target} failed: {e}; answered on this machine"
    client, model = connect(LOCAL)
    yield from client.stream_chat(messages, model=model, **params)


class RoutedChat:
    """Routes, streams and records the answers of conversations in one history."""

    def __init__(
        self,
        history: History,
        connect: Connect,
        providers: Callable[[], list[str]],
        worker_status: Callable[[], dict | None],
        policy: OffloadPolicy | None = None,
        has_local: bool = True,
    ) -> None:
        self.history = history
        self.connect = connect
        self.providers = providers
        self.worker_status = worker_status
        self.policy = policy or OffloadPolicy()
        self.has_local = has_local  # False: no local worker, so nothing to fall back to

    def plan(self, conversation_id: int, messages: list[dict]) -> Route:
        """The route the next answer would take (also what a UI shows before sending)."""
        privacy = history_routing.privacy(self.history, conversation_id)
        choice = history_routing.route_choice(self.history, conversation_id)
        worker = WorkerState.from_status(self.worker_status())
        chosen = route(
            privacy, choice, estimate_tokens(messages), self.policy, worker, self.providers()
        )
        return chosen if self.has_local else replace(chosen, fallback_to_local=False)

    def begin(self, conversation_id: int, messages: list[dict]) -> AnswerInfo:
        """Route the next answer: who is asked, and the words that will stand under it."""
        chosen = self.plan(conversation_id, messages)
        return AnswerInfo(chosen, chosen.target, None if not chosen.remote else chosen.rule)

    def answer(
        self, conversation_id: int, messages: list[dict], info_out: list[AnswerInfo], **params
    ) -> Iterator[Delta]:
        """Stream the answer into the history; `info_out` receives its AnswerInfo at once."""
        info = self.begin(conversation_id, messages)
        chosen = info.route
        info_out.append(info)
        message_id = self.history.add_message(conversation_id, "assistant", "", "streaming")
        info.message_id = message_id
        status = "complete"
        try:
            for delta in stream_routed(chosen, self.connect, messages, info, **params):
                if delta.text:
                    self.history.append(message_id, delta.text)
                yield delta
        except GeneratorExit:
            status = "stopped"
            raise
        except Exception:
            status = "error"
            raise
        finally:
            self.history.finish(message_id, status)
            history_routing.set_answered_by(self.history, message_id, info.answered_by, info.note)
