"""`fennec chat`: a terminal conversation with a worker this command starts itself."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from app.history import History, HistoryError
from inference.client import ChatClient, ClientError
from inference.errors import FennecError
from inference.worker_process import start_worker


def _answer(
    client: ChatClient,
    messages: list[dict],
    args: argparse.Namespace,
    history: History,
    conversation_id: int,
    model: str,
) -> str:
    """Stream one answer to the terminal, recording it chunk by chunk like the window does."""
    parts = []
    message_id = history.add_message(conversation_id, "assistant", "", "streaming", model)
    stream = client.stream_chat(messages, max_tokens=args.max_tokens, temperature=args.temperature)
    status = "complete"
    try:
        for delta in stream:
            if delta.text:
                parts.append(delta.text)
                history.append(message_id, delta.text)
                sys.stdout.write(delta.text)
                sys.stdout.flush()
    except KeyboardInterrupt:
        stream.close()  # closing the stream cancels the generation in the worker
        status = "stopped"
        sys.stdout.write(" [stopped]")
    except (ClientError, FennecError):
        history.finish(message_id, "error")
        raise
    history.finish(message_id, status)
    sys.stdout.write("\n")
    return "".join(parts)


def run_chat(args: argparse.Namespace) -> int:
    if getattr(args, "provider", None):
        from app.terminal_remote_chat import run_remote_chat

        return run_remote_chat(args)
    try:
        print("fennec: starting the model…", file=sys.stderr, flush=True)
        worker = start_worker(args.model, args.engine)
    except FennecError as e:
        print(f"fennec: error: {e}", file=sys.stderr)
        return 2
    client = ChatClient(worker.base_url, worker.token)
    try:
        history = History()
    except HistoryError as e:
        print(f"fennec: error: {e}", file=sys.stderr)
        worker.stop()
        return 1
    first = args.message or "Terminal chat"
    conversation_id = history.create_conversation(_title(first), worker.model, "cli")
    messages: list[dict] = []

    def say(role: str, content: str) -> None:
        messages.append({"role": role, "content": content})
        history.add_message(conversation_id, role, content, model=worker.model)

    if args.system:
        say("system", args.system)
    try:
        if args.message is not None:
            say("user", args.message)
            _answer(client, messages, args, history, conversation_id, worker.model)
            return 0
        print(
            f"fennec: chatting with {worker.model}; Ctrl-D to quit, Ctrl-C stops an answer",
            file=sys.stderr,
        )
        for line in typed_lines():
            say("user", line)
            answer = _answer(client, messages, args, history, conversation_id, worker.model)
            messages.append({"role": "assistant", "content": answer})
        return 0
    except (ClientError, FennecError) as e:
        print(f"fennec: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        client.close()
        history.close()
        worker.stop()


def typed_lines() -> Iterator[str]:
    """Non-empty lines typed at a `> ` prompt, until Ctrl-D."""
    while True:
        try:
            line = input("> ")
        except EOFError:
            print()
            return
        if line.strip():
            yield line


def _title(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
