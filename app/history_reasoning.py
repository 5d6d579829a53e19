"""A model's reasoning in the history: kept beside each answer, never sent back to the model.

Its own named migration (registered in app/history_migrations) and accessors. Reasoning is not
in the full-text index, so a search finds answers; `search_reasoning` looks through it only
when the user asks. Each conversation may switch thinking on or off for models that can.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import sqlite_utils

from app.history import HistoryError, SearchHit
from app.search_text import snippet

if TYPE_CHECKING:
    from app.history import History


def migrate_reasoning(db: sqlite_utils.Database) -> None:
    db["messages"].add_column("reasoning", str)  # the thinking before the answer, if any
    db["messages"].add_column("reasoning_s", float)  # how long it thought
    db["conversations"].add_column("think", int)  # None: the model's default; 1 on, 0 off


def set_reasoning(history: History, message_id: int, text: str, seconds: float | None) -> None:
    """Store an answer's reasoning so far (written as it grows and when the answer ends)."""
    history.update_row("messages", message_id, {"reasoning": text, "reasoning_s": seconds})


def think(history: History, conversation_id: int) -> bool | None:
    value = history.row("conversations", conversation_id)["think"]
    return None if value is None else bool(value)


def set_think(history: History, conversation_id: int, value: bool | None) -> None:
    stored = None if value is None else int(value)
    history.update_row("conversations", conversation_id, {"think": stored})


def search_reasoning(
    history: History, query: str, limit: int = 50, mark: tuple[str, str] = ("[", "]")
) -> list[SearchHit]:
    """Answers whose reasoning holds every word of the query, newest first (a plain scan:
    reasoning is searched rarely, and only when asked)."""
    words = query.split()
    if not words:
        return []
    where = " and ".join("m.reasoning like ? escape '\\'" for _ in words)
    args = [f"%{_escape_like(w)}%" for w in words]
    with history._lock:
        try:
            rows = list(
                history.db.execute(
                    "select m.id, m.conversation_id, c.title, m.role, m.reasoning from messages m "
                    "join conversations c on c.id = m.conversation_id "
                    f"where m.reasoning is not null and {where} order by m.id desc limit ?",
                    [*args, limit],
                )
            )
        except sqlite3.Error as e:
            raise HistoryError(f"cannot search the reasoning for {query!r}: {e}") from None
    return [
        SearchHit(mid, cid, title, role, snippet(text, query, mark), 0.0)
        for mid, cid, title, role, text in rows
    ]


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
