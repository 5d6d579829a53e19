"""`fennec history search|show|export|list`: the same history as the window, in a terminal."""

from __future__ import annotations

import argparse
import sys
import time

from app.history import History, HistoryError


def add_parser(sub) -> None:
    p = sub.add_parser("history", help="search, show and export past conversations")
    cmds = p.add_subparsers(dest="history_command", required=True)
    s = cmds.add_parser("search", help="full-text search over every conversation")
    s.add_argument("query")
    s.add_argument("-n", "--limit", type=int, default=20)
    cmds.add_parser("list", help="conversations, most recent first")
    show = cmds.add_parser("show", help="print one conversation")
    show.add_argument("id", type=int)
    export = cmds.add_parser("export", help="a conversation as Markdown or JSON")
    export.add_argument("id", type=int)
    export.add_argument("--format", choices=("markdown", "json"), default="markdown")


def run(args: argparse.Namespace) -> int:
    try:
        history = History()
    except HistoryError as e:
        print(f"fennec: error: {e}", file=sys.stderr)
        return 1
    try:
        if args.history_command == "search":
            hits = history.search(
                args.query,
                limit=args.limit,
                mark=("\033[1m", "\033[0m") if sys.stdout.isatty() else ("[", "]"),
            )
            if not hits:
                print(f"no messages match {args.query!r}", file=sys.stderr)
                return 1
            for h in hits:
                print(
                    f"#{h.conversation_id} {h.conversation_title} · {h.role}: "
                    f"{' '.join(h.snippet.split())}"
                )
        elif args.history_command == "list":
            for c in history.conversations():
                when = time.strftime("%Y-%m-%d %H:%M", time.localtime(c.updated_at))
                print(f"#{c.id:<5} {when}  {'📌 ' if c.pinned else ''}{c.title}")
        elif args.history_command == "show":
            print(history.export_markdown(args.id))
        elif args.history_command == "export":
            print(
                history.export_json(args.id)
                if args.format == "json"
                else history.export_markdown(args.id)
            )
        return 0
    except HistoryError as e:
        print(f"fennec: error: {e}", file=sys.stderr)
        return 1
    finally:
        history.close()
