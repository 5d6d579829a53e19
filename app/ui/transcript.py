"""The chat transcript: one document into which each message is inserted once.

Why a QTextDocument and not a model/view list: the transcript stays one selectable, searchable
text with anchors (copy, copy code, edit, scroll-to-message) for free, and Qt lays out only the
inserted block. A streaming answer is the last thing in the document, so updating it means
replacing only its unfinished tail; finished paragraphs and code blocks are inserted for good.
Older messages are read a page at a time and inserted at the top as the user scrolls up.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from PySide6.QtGui import QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextBrowser, QWidget

from app.history import History, Message
from app.ui.render import (
    answered_words,
    body_html,
    draft_html,
    footer_html,
    header_html,
    message_html,
    stable_length,
    unseen_words,
)

PAGE_SIZE = 40  # messages read and inserted at a time
LOAD_MARGIN_PX = 200  # scrolled this close to the top: insert the previous page


@dataclass
class _StreamingMessage:
    """Where the streaming answer lies in the document (character positions)."""

    message_id: int
    role: str
    start: int  # its first character (the block break before its header)
    header_end: int
    tail: int  # where the part that may still change begins
    stable: int = 0  # characters of its content inserted for good


class Transcript(QTextBrowser):
    """A view of one conversation that never re-renders a finished message."""

    def __init__(self, history: History, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.history = history
        self.conversation_id: int | None = None
        self.code_blocks: list[str] = []  # `copycode:N` copies code_blocks[N]
        self.renders: Counter[int] = Counter()  # message id -> whole renders (tests read it)
        self.tail_renders = 0
        self._oldest_id: int | None = None  # the oldest message inserted so far
        self._has_older = False
        self._streaming: _StreamingMessage | None = None
        self.reasoning_open: set[int] = set()  # answers whose thinking the user unfolded
        self.verticalScrollBar().valueChanged.connect(self._on_scrollbar_value_changed)

    # -- whole conversations -----------------------------------------------------------------
    def show_conversation(
        self, conversation_id: int | None, live_message_id: int | None = None
    ) -> None:
        """Show the newest page of a conversation (None: the empty state). `live_message_id`
        is an answer still streaming in it: it keeps taking updates."""
        self._has_older = False  # clearing scrolls to the top: load nothing of the old one
        self.clear()
        self.code_blocks = []
        self._streaming = None
        self.conversation_id = conversation_id
        self._oldest_id, self._has_older = None, False
        if conversation_id is None:
            self.setHtml("<p>Start a new conversation.</p>")
            return
        newest = self.history.messages_before(conversation_id, None, PAGE_SIZE)
        self._oldest_id = newest[0].id if newest else None
        self._has_older = len(newest) == PAGE_SIZE
        cursor = self._end()
        for message in newest:
            if message.id == live_message_id:
                self._begin_streaming(message)
            else:
                self._insert(cursor, self._render(message))
        self.scroll_to_bottom()
        while self.verticalScrollBar().maximum() == 0 and self.load_older():
            pass  # a page of short messages does not fill the view: no scrolling would load more

    def load_older(self, at_least: int = PAGE_SIZE) -> bool:
        """Insert the previous page(s) at the top, keeping what is on screen in place."""
        if self.conversation_id is None or not self._has_older:
            return False
        older = self.history.messages_before(self.conversation_id, self._oldest_id, at_least)
        self._has_older = len(older) == at_least
        if not older:
            return False
        self._oldest_id = older[0].id
        bar = self.verticalScrollBar()
        from_bottom = bar.maximum() - bar.value()
        size_before = self.document().characterCount()
        cursor = QTextCursor(self.document())  # position 0: above everything shown
        for message in older:
            self._insert(cursor, self._render(message))
        if self._streaming is not None:  # its positions moved down by what went above
            self._shift_streaming(self.document().characterCount() - size_before)
        bar.setValue(bar.maximum() - from_bottom)
        return True

    def scroll_to_message(self, message_id: int) -> None:
        """Bring a message into view, reading older pages down to it if needed."""
        if self.conversation_id is None:
            return
        if self._oldest_id is not None and message_id < self._oldest_id:
            between = self.history.message_count_before(self.conversation_id, self._oldest_id)
            before = self.history.message_count_before(self.conversation_id, message_id)
            self.load_older(between - before + PAGE_SIZE // 4)  # with a little context above
        self.scrollToAnchor(f"m{message_id}")

    def scroll_to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    # -- one message at a time ----------------------------------------------------------------
    def add_message(self, message: Message) -> None:
        """A new message at the bottom (sent, or an answer beginning)."""
        follow = self.at_bottom()
        if message.status == "streaming":
            self._begin_streaming(message)
        else:
            self._insert(self._end(), self._render(message))
        if follow:
            self.scroll_to_bottom()

    def toggle_reasoning(self, message_id: int) -> None:
        """Unfold (or fold again) an answer's thinking: the page is drawn again, the message
        kept in view."""
        self.reasoning_open ^= {message_id}
        if self.conversation_id is not None:
            live = self._streaming.message_id if self._streaming is not None else None
            self.show_conversation(self.conversation_id, live)
            self.scroll_to_message(message_id)

    def update_streaming(self, content: str, note: str = "") -> None:
        """The streaming answer's whole text so far: newly finished paragraphs and code blocks
        are inserted once; only the unfinished tail is redrawn. `note` ("Thinking… 4 s")
        stands in for an answer that has not begun."""
        s = self._streaming
        if s is None:
            return
        follow = self.at_bottom()
        stable = s.stable + stable_length(content[s.stable :])  # s.stable is a boundary
        cursor = self._replace_from(s.tail)
        if stable > s.stable:
            self._insert(cursor, body_html(content[s.stable : stable], self.code_blocks))
            s.stable, s.tail = stable, cursor.position()
        draft = content[s.stable :]
        if draft:
            self.tail_renders += 1
            self._insert(cursor, draft_html(draft))
        elif note and not content:
            self._insert(cursor, footer_html(note))
        if follow:
            self.scroll_to_bottom()

    def end_streaming(
        self,
        content: str,
        status: str,
        footer: str = "",
        reasoning: str = "",
        reasoning_s: float | None = None,
    ) -> None:
        """The answer ended: its tail rendered for good, its header shows the final status
        and its folded reasoning, and `footer` (who answered) stands under it."""
        s = self._streaming
        if s is None:
            return
        follow = self.at_bottom()
        cursor = self._replace_from(s.tail)
        if content[s.stable :]:
            self._insert(cursor, body_html(content[s.stable :], self.code_blocks))
        if footer:
            self._insert(cursor, footer_html(footer))
        cursor = self._replace(s.start, s.header_end)
        opened = s.message_id in self.reasoning_open
        self._insert(
            cursor, header_html(s.message_id, s.role, status, reasoning, reasoning_s, opened)
        )
        self._streaming = None
        if follow:
            self.scroll_to_bottom()

    # -- the document ---------------------------------------------------------------------------
    def _render(self, message: Message) -> str:
        self.renders[message.id] += 1
        return message_html(
            message.id,
            message.role,
            message.content,
            message.status,
            self.code_blocks,
            " · ".join(
                part
                for part in (
                    answered_words(message.answered_by, message.route_note),
                    unseen_words(message.unseen_messages),
                )
                if part
            ),
            message.reasoning,
            message.reasoning_s,
            message.id in self.reasoning_open,
        )

    def _begin_streaming(self, message: Message) -> None:
        self.renders[message.id] += 1
        cursor = self._end()
        start = cursor.position()
        self._insert(cursor, header_html(message.id, message.role, "streaming"))
        end = cursor.position()
        self._streaming = _StreamingMessage(message.id, message.role, start, end, end)
        if message.content:
            self.update_streaming(message.content)

    def _shift_streaming(self, delta: int) -> None:
        s = self._streaming
        assert s is not None
        s.start, s.header_end, s.tail = s.start + delta, s.header_end + delta, s.tail + delta

    def _end(self) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor

    def _replace_from(self, position: int) -> QTextCursor:
        cursor = self._end()
        return self._replace(position, cursor.position())

    def _replace(self, start: int, end: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        return cursor

    @staticmethod
    def _insert(cursor: QTextCursor, html: str) -> None:
        # Each piece in a fresh block of its own, so it never inherits the format of the piece
        # before it (a code block, a heading) and can be removed again as a unit.
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        cursor.insertHtml(html)

    def _on_scrollbar_value_changed(self, value: int) -> None:
        if value <= LOAD_MARGIN_PX and self._has_older:
            self.load_older()
