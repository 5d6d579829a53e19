"""`fennec chat --provider NAME`: the terminal conversation answered by a remote provider.

Naming a provider on the command line is the user's explicit choice, so the conversation is
recorded as Allowed-remote with that choice. `--model` here names the remote model, so there
is no local model to fall back to: a failing provider is reported as an error.
"""

from __future__ import annotations

import argparse
import sys

from app import history_routing
from app.history import History, HistoryError
from app.providers import ProviderError, ProviderStore
from app.routed_chat import AnswerInfo, Connections, RoutedChat
from app.routing import Privacy
from app.secrets import SecretsError
from app.terminal_chat import typed_lines
from inference.client import ClientError
from inference.errors import FennecError


def run_remote_chat(args: argparse.Namespace, store: ProviderStore | None = None) -> int:
    store = store or ProviderStore()
    try:
        provider = store.get(args.provider)
        history = History()
    except (ProviderError, SecretsError, HistoryError) as e:
        print(f"fennec: error: {e}", file=sys.stderr)
        return 2
    # --model names the remote model here, so there is no local worker to fall back to.
    connect = Connections(None, store, {provider.name: args.model} if args.model else None)
    names = [p.name for p in store.list()]
    chat = RoutedChat(history, connect, lambda: names, lambda: None, has_local=False)
    first = args.message or "Terminal chat"
    conversation_id = history.create_conversation(first[:60], provider.name, "cli")
    history_routing.set_privacy(history, conversation_id, Privacy.ALLOWED_REMOTE)
    history_routing.set_route_choice(history, conversation_id, provider.name)
    messages: list[dict] = []

    def say(role: str, content: str) -> None:
        messages.append({"role": role, "content": content})
        history.add_message(conversation_id, role, content)

    def answer() -> str:
        infos: list[AnswerInfo] = []
        parts = []
        params = {"max_tokens": args.max_tokens, "temperature": args.temperature}
        for delta in chat.answer(conversation_id, messages, infos, **params):
            parts.append(delta.text)
            sys.stdout.write(delta.text)
            sys.stdout.flush()
        sys.stdout.write("\n")
        print(f"[{infos[0].label}]", file=sys.stderr, flush=True)
        return "".join(parts)

    try:
        if args.system:
            say("system", args.system)
        if args.message is not None:
            say("user", args.message)
            answer()
            return 0
        print(f"fennec: chatting with {provider.name}; Ctrl-D to quit", file=sys.stderr)
        for line in typed_lines():
            say("user", line)
            messages.append({"role": "assistant", "content": answer()})
        return 0
    except (ClientError, FennecError) as e:
        print(f"fennec: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        connect.close()
        history.close()
