"""One answer of a conversation, made where `app.routing` says, recorded in the history.

The only place that turns a route into network traffic: a Local-only conversation reaches
`connect` with LOCAL and nothing else, so no remote client is ever opened for it. A remote
that fails before its first token hands an Allowed-remote answer back to the local worker,
and the answer is labelled with who made it and why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from app import history_routing
from app.history import History
from app.routing import LOCAL, OffloadPolicy, Route, WorkerState, estimate_tokens, route
from inference.client import ChatClient, ClientError, Delta

# name (LOCAL or a provider) → a client and the model id to ask it for
Connect = Callable[[str], tuple[ChatClient, str]]


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
            started = started or bool(delta.text)
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

    def answer(
        self, conversation_id: int, messages: list[dict], info_out: list[AnswerInfo], **params
    ) -> Iterator[Delta]:
        """Stream the answer into the history; `info_out` receives its AnswerInfo at once."""
        chosen = self.plan(conversation_id, messages)
        info = AnswerInfo(chosen, chosen.target, None if not chosen.remote else chosen.rule)
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
