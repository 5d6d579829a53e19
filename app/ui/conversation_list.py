"""The conversation list on the left of the window, grouped by date, and what a right-click
on one offers."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QListWidget, QListWidgetItem, QMenu

from app.history import History
from app.ui.conversation_dates import date_group, short_time
from app.ui.i18n import tr


class ConversationList(QListWidget):
    conversation_was_chosen = Signal(int)
    deletion_was_requested = Signal(int)  # the window decides what to show instead
    export_did_fail = Signal(str)

    def __init__(self, history: History) -> None:
        super().__init__()
        self.history = history
        self.hidden_ids: set[int] = set()
        # A long title is cut with "…" rather than scrolling the whole list sideways.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSpacing(2)  # a gap between one conversation's time and the next title
        self.currentItemChanged.connect(self._on_current_item_changed)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu_requested)

    def refresh(self, current_id: int | None) -> None:
        """Re-read the list (pinned first, then by date group, the most recent first) and
        select `current_id`. Conversations in `hidden_ids` (deleted, undo pending) are left out."""
        self.blockSignals(True)
        self.clear()
        now = datetime.now()
        group = ""
        for c in self.history.conversations():
            if c.id in self.hidden_ids:
                continue
            heading = tr("Pinned") if c.pinned else tr(date_group(c.updated_at, now))
            if heading != group:
                group = heading
                self._add_heading(heading)
            item = QListWidgetItem(f"{c.title}\n{short_time(c.updated_at, now)}")
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            item.setToolTip(f"{c.title} — {short_time(c.updated_at, now)}")
            self.addItem(item)
            if c.id == current_id:
                self.setCurrentItem(item)
        self.blockSignals(False)

    def _add_heading(self, text: str) -> None:
        # Neither selectable nor enabled: the arrow keys pass over it.
        heading = QListWidgetItem(text)
        heading.setFlags(Qt.ItemFlag.NoItemFlags)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        self.addItem(heading)

    def conversation_ids(self) -> list[int]:
        """The conversations shown, top to bottom (headings left out)."""
        rows = (self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count()))
        return [cid for cid in rows if cid is not None]

    def menu(self, cid: int) -> QMenu:
        """What a right-click on a conversation offers (built apart so tests can trigger it)."""
        menu = QMenu(self)
        menu.addAction(tr("Rename…")).triggered.connect(lambda: self._rename(cid))
        pinned = self.history.conversation(cid).pinned
        menu.addAction(tr("Unpin") if pinned else tr("Pin")).triggered.connect(
            lambda: (self.history.pin(cid, not pinned), self.refresh(self._current_id()))
        )
        menu.addAction(tr("Export as Markdown…")).triggered.connect(lambda: self._export(cid, "md"))
        menu.addAction(tr("Export as JSON…")).triggered.connect(lambda: self._export(cid, "json"))
        menu.addAction(tr("Delete")).triggered.connect(
            lambda: self.deletion_was_requested.emit(cid)
        )
        return menu

    def _current_id(self) -> int | None:
        item = self.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _on_current_item_changed(self, item: QListWidgetItem | None, _previous) -> None:
        cid = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if cid is not None:  # a date heading is no conversation
            self.conversation_was_chosen.emit(cid)

    def _on_context_menu_requested(self, pos) -> None:
        # From the keyboard (Menu key, Shift+F10) the position may be off any item: the
        # conversation in focus is meant.
        item = self.itemAt(pos) or self.currentItem()
        if item is not None and item.data(Qt.ItemDataRole.UserRole) is not None:
            self.menu(item.data(Qt.ItemDataRole.UserRole)).exec(self.mapToGlobal(pos))

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Delete deletes (undoable), F2 renames: the list needs no mouse."""
        cid = self._current_id()
        if cid is not None and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.deletion_was_requested.emit(cid)
        elif cid is not None and event.key() == Qt.Key.Key_F2:
            self._rename(cid)
        else:
            super().keyPressEvent(event)

    def _rename(self, cid: int) -> None:
        title, ok = QInputDialog.getText(
            self, tr("Rename"), tr("Title"), text=self.history.conversation(cid).title
        )
        if ok and title.strip():
            self.history.rename(cid, title.strip())
            self.refresh(self._current_id())

    def _export(self, cid: int, kind: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export", f"conversation-{cid}.{kind}")
        if not path:
            return
        text = self.history.export_markdown(cid) if kind == "md" else self.history.export_json(cid)
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            self.export_did_fail.emit(tr("Could not export: {reason}").format(reason=e.strerror))
