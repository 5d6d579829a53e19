"""Which assistant profile answers each conversation (None: the app's model and settings).

Its own named migration (registered in app/history_migrations). A profile deleted since is
read as none, so the conversation goes on with the app's model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlite_utils

if TYPE_CHECKING:
    from app.history import History


def migrate_profiles(db: sqlite_utils.Database) -> None:
    db["conversations"].add_column("profile", str)


def profile_name(history: History, conversation_id: int) -> str | None:
    history.conversation(conversation_id)  # a clear error for a missing one
    with history._lock:
        row = history.db.execute(
            "select profile from conversations where id = ?", [conversation_id]
        ).fetchone()
    return row[0] if row and row[0] else None


def set_profile_name(history: History, conversation_id: int, name: str | None) -> None:
    history.conversation(conversation_id)
    history._write(
        lambda: history.db.execute(
            "update conversations set profile = ? where id = ?", [name or None, conversation_id]
        )
    )
