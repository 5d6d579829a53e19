"""Privacy routing in the history: each conversation's privacy flag and each answer's maker.

Its own named migration (registered in app/history.MIGRATIONS) and accessors, kept beside
History rather than inside it. Existing conversations become Local-only: the safe reading
of a conversation nobody has classified.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlite_utils

from app.routing import Privacy, answered_label

if TYPE_CHECKING:
    from app.history import History

MIGRATION_NAME = "m003_privacy_routing"


def migrate_privacy_routing(db: sqlite_utils.Database) -> None:
    db["conversations"].add_column("privacy", str, not_null_default=Privacy.LOCAL_ONLY.value)
    db["conversations"].add_column("route_choice", str)  # None: automatic
    db["messages"].add_column("answered_by", str)  # LOCAL, a provider's name, or None (user)
    db["messages"].add_column("route_note", str)  # why, or what fell back


def privacy(history: History, conversation_id: int) -> Privacy:
    row = history.row("conversations", conversation_id)
    try:
        return Privacy(row["privacy"])
    except ValueError:
        return Privacy.LOCAL_ONLY  # an unknown value is read the safe way


def set_privacy(history: History, conversation_id: int, flag: Privacy) -> None:
    history.update_row("conversations", conversation_id, {"privacy": Privacy(flag).value})


def route_choice(history: History, conversation_id: int) -> str | None:
    return history.row("conversations", conversation_id)["route_choice"]


def set_route_choice(history: History, conversation_id: int, choice: str | None) -> None:
    history.update_row("conversations", conversation_id, {"route_choice": choice})


def set_answered_by(history: History, message_id: int, target: str, note: str | None) -> None:
    history.update_row("messages", message_id, {"answered_by": target, "route_note": note})


def answered_by(history: History, message_id: int) -> tuple[str | None, str | None]:
    row = history.row("messages", message_id)
    return row["answered_by"], row["route_note"]


def label(target: str | None) -> str:
    """The words under an answer."""
    return answered_label(target)
