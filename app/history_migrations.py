"""The history's schema as named migrations, each applied once and recorded in the database."""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlite_utils


def _m001_initial(db: sqlite_utils.Database) -> None:
    db["conversations"].create(
        {
            "id": int,
            "title": str,
            "created_at": float,
            "updated_at": float,
            "pinned": int,
            "model": str,
            "source": str,
        },
        pk="id",
        not_null={"title", "created_at", "updated_at"},
        defaults={"pinned": 0},
    )
    db["messages"].create(
        {
            "id": int,
            "conversation_id": int,
            "role": str,
            "content": str,
            "search_text": str,
            "status": str,
            "created_at": float,
            "model": str,
        },
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
        not_null={"conversation_id", "role", "content"},
        defaults={"status": "complete"},
    )
    db["messages"].create_index(["conversation_id", "id"])
    db["conversations"].create_index(["pinned", "updated_at"])


def _m002_fts(db: sqlite_utils.Database) -> None:
    # unicode61 on the CJK-separated copy of the text (see search_text.py); triggers keep it.
    db["messages"].enable_fts(
        ["search_text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2"
    )


def _m003_privacy_routing(db: sqlite_utils.Database) -> None:
    from app.history_routing import migrate_privacy_routing  # lives beside History

    migrate_privacy_routing(db)


def _m004_stream_chunks(db: sqlite_utils.Database) -> None:
    # Appending a row is O(chunk); rewriting the message and its FTS entry per chunk was
    # O(message). Chunks go with their message (cascade) on delete.
    db.execute(
        "create table message_chunks ("
        "id integer primary key, "
        "message_id integer not null references messages(id) on delete cascade, "
        "text text not null)"
    )
    db.execute("create index message_chunks_message on message_chunks (message_id, id)")


def _m005_reasoning(db: sqlite_utils.Database) -> None:
    from app.history_reasoning import migrate_reasoning  # lives beside History

    migrate_reasoning(db)


def _m006_profiles(db: sqlite_utils.Database) -> None:
    from app.history_profiles import migrate_profiles  # lives beside History

    migrate_profiles(db)


def _m007_context_notes(db: sqlite_utils.Database) -> None:
    from app.history_context import migrate_context_notes  # lives beside History

    migrate_context_notes(db)


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("m001_initial", _m001_initial),
    ("m002_fts", _m002_fts),
    ("m003_privacy_routing", _m003_privacy_routing),
    ("m004_stream_chunks", _m004_stream_chunks),
    ("m005_reasoning", _m005_reasoning),
    ("m006_profiles", _m006_profiles),
    ("m007_context_notes", _m007_context_notes),
]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet recorded in the database; returns their names."""
    if "_migrations" not in db.table_names():
        db["_migrations"].create({"name": str, "applied_at": float}, pk="name")
    done = {row["name"] for row in db["_migrations"].rows}
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        with db.conn:
            step(db)
            db["_migrations"].insert({"name": name, "applied_at": time.time()})
        applied.append(name)
    return applied
