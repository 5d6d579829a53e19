"""Chat history: SQLite (WAL) through sqlite-utils, named migrations, FTS5 kept by triggers.

Every streamed chunk is written as it arrives, so a crash or kill of the app or the worker
loses at most the chunk in flight, and WAL never leaves a half-written database behind. A chunk
costs O(chunk): it goes to the `message_chunks` journal, which is folded into the message and its
search entry every FOLD_INTERVAL_S, when the answer ends, and on recovery after a crash.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlite_utils

from app.history_migrations import MIGRATIONS, migrate
from app.paths import history_db
from app.routing import answered_label
from app.search_text import fts_query, index_text, snippet, wants_prefix
from inference.errors import FennecError

SEARCH_WINDOW = 3000  # most recent matches ranked per search
FOLD_INTERVAL_S = 3.0  # a streaming answer becomes searchable at least this often

# A message's text is its row plus any chunks not yet folded in (in arrival order).
_CONTENT = (
    "m.content || coalesce((select group_concat(text, '') from "
    "(select text from message_chunks c where c.message_id = m.id order by c.id)), '')"
)
_MESSAGE_COLUMNS = (
    f"m.id, m.conversation_id, m.role, {_CONTENT} as content, m.status, m.created_at, m.model, "
    "m.answered_by, m.route_note, coalesce(m.reasoning, '') as reasoning, m.reasoning_s, "
    "coalesce(m.unseen_messages, 0) as unseen_messages"
)


__all__ = [
    "MIGRATIONS",
    "Conversation",
    "History",
    "HistoryError",
    "Message",
    "SearchHit",
    "migrate",
]


class HistoryError(FennecError):
    """A history operation could not be done (bad query, missing conversation, full disk)."""


@dataclass(frozen=True)
class Conversation:
    id: int
    title: str
    created_at: float
    updated_at: float
    pinned: bool
    model: str | None
    source: str


@dataclass(frozen=True)
class Message:
    id: int
    conversation_id: int
    role: str
    content: str
    status: str  # "complete", "streaming", "stopped", "error"
    created_at: float
    model: str | None
    answered_by: str | None = None  # LOCAL or a provider's name; None for the user's own
    route_note: str | None = None  # why it went there, or what fell back
    reasoning: str = ""  # the model's thinking before the answer; never sent back to it
    reasoning_s: float | None = None  # how long it thought
    unseen_messages: int = 0  # the oldest messages left out of its context (a long chat)

    @property
    def answered_label(self) -> str:
        """The quiet line under an answer: who made it, and any note."""
        return answered_label(self.answered_by, self.route_note)


@dataclass(frozen=True)
class SearchHit:
    message_id: int
    conversation_id: int
    conversation_title: str
    role: str
    snippet: str
    rank: float


class History:
    """One connection, guarded by a lock: safe to share between threads."""

    def __init__(self, path: Path | None = None, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path) if path is not None else history_db()
        self._clock = clock
        self._lock = threading.RLock()
        self._folded_at: dict[int, float] = {}  # message id -> clock time of its last fold
        try:
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            migrate(self.db)
        except sqlite3.DatabaseError as e:
            raise HistoryError(f"cannot open the history at {self.path}: {e}") from None

    def close(self) -> None:
        self.db.conn.close()

    # -- rows for the modules beside History (routing, reasoning, profiles, context notes) -----
    def row(self, table: str, pk: int) -> dict:
        """One conversation or message row, every column; HistoryError when there is none."""
        with self._lock:
            try:
                return self.db[table].get(pk)
            except sqlite_utils.db.NotFoundError:
                raise HistoryError(f"no {table[:-1]} {pk}") from None

    def update_row(self, table: str, pk: int, values: dict) -> None:
        """Set columns of one row; HistoryError when there is none."""
        self.row(table, pk)
        self._write(lambda: self.db[table].update(pk, values))

    def _write(self, fn: Callable[[], object]):
        with self._lock:
            try:
                with self.db.conn:
                    return fn()
            except sqlite3.OperationalError as e:
                if "full" in str(e).lower():
                    raise HistoryError("the disk is full: the last change was not saved") from None
                raise HistoryError(f"could not save to the history: {e}") from None

    # -- conversations -----------------------------------------------------------------------
    def create_conversation(
        self, title: str = "New chat", model: str | None = None, source: str = "app"
    ) -> int:
        now = self._clock()

        def insert() -> int:
            table = self.db["conversations"]
            table.insert(
                {
                    "title": title,
                    "created_at": now,
                    "updated_at": now,
                    "pinned": 0,
                    "model": model,
                    "source": source,
                }
            )
            return int(table.last_pk)

        return self._write(insert)

    def conversations(self) -> list[Conversation]:
        with self._lock:
            rows = self.db.query(
                "select * from conversations order by pinned desc, updated_at desc, id desc"
            )
            return [_conversation(r) for r in rows]

    def conversation(self, conversation_id: int) -> Conversation:
        with self._lock:
            try:
                return _conversation(self.db["conversations"].get(conversation_id))
            except sqlite_utils.db.NotFoundError:
                raise HistoryError(f"no conversation {conversation_id}") from None

    def rename(self, conversation_id: int, title: str) -> None:
        self.conversation(conversation_id)
        self._write(lambda: self.db["conversations"].update(conversation_id, {"title": title}))

    def pin(self, conversation_id: int, pinned: bool = True) -> None:
        self.conversation(conversation_id)
        self._write(
            lambda: self.db["conversations"].update(conversation_id, {"pinned": int(pinned)})
        )

    def delete_conversation(self, conversation_id: int) -> None:
        """Gone for good: its messages leave the search index too (the triggers see to it)."""
        self.conversation(conversation_id)

        def delete() -> None:
            self.db.execute("delete from messages where conversation_id = ?", [conversation_id])
            self.db["conversations"].delete(conversation_id)

        self._write(delete)

    # -- messages ------------------------------------------------------------------------------
    def add_message(
        self,
        conversation_id: int,
        role: str,
        content: str,
        status: str = "complete",
        model: str | None = None,
    ) -> int:
        self.conversation(conversation_id)
        now = self._clock()

        def insert() -> int:
            table = self.db["messages"]
            table.insert(
                {
                    "conversation_id": conversation_id,
                    "role": role,
                    "content": content,
                    "search_text": index_text(content),
                    "status": status,
                    "created_at": now,
                    "model": model,
                }
            )
            self.db["conversations"].update(conversation_id, {"updated_at": now})
            return int(table.last_pk)

        return self._write(insert)

    def append(self, message_id: int, text: str) -> None:
        """Add a streamed chunk to a message: one short transaction (durable at once) that
        costs O(chunk); every FOLD_INTERVAL_S the journal is folded into the message."""
        if not text:
            return
        now = self._clock()
        last = self._folded_at.setdefault(message_id, now)

        def insert() -> None:
            self.db.execute(
                "insert into message_chunks (message_id, text) values (?, ?)", [message_id, text]
            )
            if now - last >= FOLD_INTERVAL_S:
                self._fold(message_id)
                self._folded_at[message_id] = now

        self._write(insert)

    def _fold(self, message_id: int) -> None:
        """Move a message's journalled chunks into its row and search entry (in a transaction).

        Only the chunks read here are deleted: another process may be appending meanwhile."""
        chunks = list(
            self.db.execute(
                "select id, text from message_chunks where message_id = ? order by id",
                [message_id],
            )
        )
        if not chunks:
            return
        row = self.db.execute("select content from messages where id = ?", [message_id]).fetchone()
        if row is None:
            return
        content = row[0] + "".join(text for _, text in chunks)
        self.db.execute(
            "update messages set content = ?, search_text = ? where id = ?",
            [content, index_text(content), message_id],
        )
        self.db.execute(
            "delete from message_chunks where message_id = ? and id <= ?",
            [message_id, chunks[-1][0]],
        )

    def fold(self, message_id: int) -> None:
        """Make everything streamed so far part of the message and findable by search."""
        self._write(lambda: self._fold(message_id))

    def finish(self, message_id: int, status: str = "complete") -> None:
        def done() -> None:
            self._fold(message_id)
            self.db["messages"].update(message_id, {"status": status})

        self._write(done)
        self._folded_at.pop(message_id, None)

    def edit(self, message_id: int, content: str) -> None:
        def replace() -> None:
            self.db.execute("delete from message_chunks where message_id = ?", [message_id])
            self.db["messages"].update(
                message_id, {"content": content, "search_text": index_text(content)}
            )

        self._write(replace)

    def delete_after(self, conversation_id: int, message_id: int) -> None:
        """Drop every message after `message_id` (regenerate, edit-and-resend)."""
        self._write(
            lambda: self.db.execute(
                "delete from messages where conversation_id = ? and id > ?",
                [conversation_id, message_id],
            )
        )

    def messages(self, conversation_id: int) -> list[Message]:
        with self._lock:
            rows = self.db.query(
                f"select {_MESSAGE_COLUMNS} from messages m "
                "where m.conversation_id = ? order by m.id",
                [conversation_id],
            )
            return [Message(**r) for r in rows]

    def messages_before(
        self, conversation_id: int, before_id: int | None, limit: int
    ) -> list[Message]:
        """The `limit` messages just before `before_id` (None: the newest), oldest first: a
        long conversation is read a page at a time."""
        with self._lock:
            rows = self.db.query(
                f"select {_MESSAGE_COLUMNS} from messages m where m.conversation_id = ? "
                "and m.id < ? order by m.id desc limit ?",
                [conversation_id, before_id if before_id is not None else 2**62, limit],
            )
            return [Message(**r) for r in rows][::-1]

    def prompt_messages(self, conversation_id: int, before_id: int) -> list[dict]:
        """The conversation before `before_id` as chat messages (role, content) for a model."""
        with self._lock:
            rows = self.db.execute(
                f"select m.role, {_CONTENT} from messages m where m.conversation_id = ? "
                "and m.id < ? and m.role in ('system', 'user', 'assistant') order by m.id",
                [conversation_id, before_id],
            )
            return [{"role": role, "content": text} for role, text in rows if text]

    def message_count_before(self, conversation_id: int, message_id: int) -> int:
        """How many messages of the conversation come before `message_id`."""
        with self._lock:
            row = self.db.execute(
                "select count(*) from messages where conversation_id = ? and id < ?",
                [conversation_id, message_id],
            ).fetchone()
            return int(row[0])

    def message(self, message_id: int) -> Message:
        with self._lock:
            rows = list(
                self.db.query(
                    f"select {_MESSAGE_COLUMNS} from messages m where m.id = ?", [message_id]
                )
            )
        if not rows:
            raise HistoryError(f"no message {message_id}")
        return Message(**rows[0])

    def interrupted(self) -> list[Message]:
        """Messages still marked streaming: the app or worker died mid-answer."""
        with self._lock:
            rows = self.db.query(
                f"select {_MESSAGE_COLUMNS} from messages m where m.status = 'streaming'"
            )
            return [Message(**r) for r in rows]

    # -- search ----------------------------------------------------------------------------------
    def search(
        self, query: str, limit: int = 50, mark: tuple[str, str] = ("[", "]")
    ) -> list[SearchHit]:
        """Ranked (bm25) hits with highlighted snippets, across all conversations."""
        expression = fts_query(query)
        if not expression:
            return []
        # bm25 over every match costs O(matches): a common word in a million messages takes
        # seconds. FTS5 walks its index newest-first and stops early, so rank only the most
        # recent SEARCH_WINDOW matches (the part of a history people look for). Snippets and
        # metadata are made for the top `limit` alone.
        ranked = (
            "with recent as (select rowid, rank from messages_fts where messages_fts match ? "
            f"order by rowid desc limit {SEARCH_WINDOW}) "
            "select rowid, rank from recent order by rank limit ?"
        )
        with self._lock:
            try:
                top = list(self.db.execute(ranked, [expression, limit]))
                # A prefix query merges every word it could complete (slow on a large
                # history): only when the whole word alone does not fill the page.
                if len(top) < limit and wants_prefix(query):
                    seen = {r[0] for r in top}
                    more = self.db.execute(ranked, [fts_query(query, prefix=True), limit])
                    top += [r for r in more if r[0] not in seen][: limit - len(top)]
                if not top:
                    return []
                ids = [r[0] for r in top]
                marks = ",".join("?" * len(ids))
                rows = {
                    r[0]: r[1:]
                    for r in self.db.execute(
                        "select m.id, m.conversation_id, c.title, m.role, m.content from messages m "
                        f"join conversations c on c.id = m.conversation_id where m.id in ({marks})",
                        ids,
                    )
                }
            except sqlite3.OperationalError as e:
                raise HistoryError(f"cannot search for {query!r}: {e}") from None
        return [
            SearchHit(
                rid,
                rows[rid][0],
                rows[rid][1],
                rows[rid][2],
                snippet(rows[rid][3], query, mark),
                rank,
            )
            for rid, rank in top
            if rid in rows
        ]

    # -- export ----------------------------------------------------------------------------------
    def export_json(self, conversation_id: int) -> str:
        conv = self.conversation(conversation_id)
        return json.dumps(
            {
                "conversation": asdict(conv),
                "messages": [asdict(m) for m in self.messages(conversation_id)],
            },
            ensure_ascii=False,
            indent=2,
        )

    def export_markdown(self, conversation_id: int) -> str:
        conv = self.conversation(conversation_id)
        lines = [f"# {conv.title}", ""]
        for m in self.messages(conversation_id):
            lines += [
                f"**{m.role.capitalize()}**"
                + ("" if m.status == "complete" else f" _({m.status})_"),
                "",
                m.content,
                "",
            ]
        return "\n".join(lines)


def _conversation(row: dict) -> Conversation:
    return Conversation(
        row["id"],
        row["title"],
        row["created_at"],
        row["updated_at"],
        bool(row["pinned"]),
        row["model"],
        row["source"],
    )
