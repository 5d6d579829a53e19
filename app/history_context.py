"""What an answer's model did not see: the oldest messages a long conversation left out when
it outgrew the context (the worker's `truncation: auto`). Its own named migration."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlite_utils

if TYPE_CHECKING:
    from app.history import History


def migrate_context_notes(db: sqlite_utils.Database) -> None:
    db["messages"].add_column("unseen_messages", int)  # None or 0: it saw the whole chat


def set_unseen(history: History, message_id: int, count: int) -> None:
    history.update_row("messages", message_id, {"unseen_messages": count})
