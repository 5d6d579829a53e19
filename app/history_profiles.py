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
    return history.row("conversations", conversation_id)["profile"] or None


def set_profile_name(history: History, conversation_id: int, name: str | None) -> None:
    history.update_row("conversations", conversation_id, {"profile": name or None})
