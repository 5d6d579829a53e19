"""`fennec chat`: a terminal conversation with a worker this command starts itself."""

from __future__ import annotations

import argparse
import sys

from inference.client import ChatClient, ClientError
from inference.errors import FennecError
from inference.worker_process import start_worker


def _answer(client: ChatClient, messages: list[dict], args: argparse.Namespace) -> str:
    parts = []
    stream = client.stream_chat(messages, max_tokens=args.max_tokens, temperature=args.temperature)
    try:
        for delta in stream:
            if delta.text:
                parts.append(delta.text)
                sys.stdout.write(delta.text)
                sys.stdout.flush()
    except KeyboardInterrupt:
        stream.close()  # closing the stream cancels the generation in the worker
        sys.stdout.write(" [stopped]")
    sys.stdout.write("\n")
    return "".join(parts)


def run_chat(args: argparse.Namespace) -> int:
    try:
        print("fennec: starting the model…", file=sys.stderr, flush=True)
        worker = start_worker(args.model, args.engine)
    except FennecError as e:
        print(f"fennec: error: {e}", file=sys.stderr)
        return 2
    client = ChatClient(worker.base_url, worker.token)
    messages: list[dict] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    try:
        if args.message is not None:
            messages.append({"role": "user", "content": args.message})
            _answer(client, messages, args)
            return 0
        print(
            f"fennec: chatting with {worker.model}; Ctrl-D to quit, Ctrl-C stops an answer",
            file=sys.stderr,
        )
        while True:
            try:
                line = input("> ")
            except EOFError:
                print()
                return 0
            if not line.strip():
                continue
            messages.append({"role": "user", "content": line})
            messages.append({"role": "assistant", "content": _answer(client, messages, args)})
    except (ClientError, FennecError) as e:
        print(f"fennec: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        client.close()
        worker.stop()
