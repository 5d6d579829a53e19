"""Search every conversation; pick a hit to jump to its message."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from app.history import History, HistoryError
from app.history_reasoning import search_reasoning
from app.ui.i18n import tr


class SearchDialog(QDialog):
    hit_was_chosen = Signal(int, int)  # conversation id, message id

    def __init__(self, history: History, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Search conversations — Fennec"))
        self.resize(640, 480)
        self.history = history
        self.query = QLineEdit(placeholderText="Search all conversations (any language)")
        self.results = QListWidget()
        self.results.setWordWrap(True)
        self.note = QLabel("")
        # Answers are what people look for; the model's thinking only when asked.
        self.include_reasoning = QCheckBox(tr("Also search the models' thinking"))
        self.include_reasoning.toggled.connect(lambda _on: self.run_search())
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.include_reasoning)
        layout.addWidget(self.note)
        layout.addWidget(self.results)
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self.run_search)
        self.query.textChanged.connect(lambda _t: self._debounce.start())
        self.results.itemActivated.connect(self._choose)
        self.results.itemClicked.connect(self._choose)

    def run_search(self) -> None:
        self.results.clear()
        text = self.query.text().strip()
        if not text:
            self.note.setText("")
            return
        try:
            hits = self.history.search(text, mark=("\x01", "\x02"))
            if self.include_reasoning.isChecked():
                seen = {h.message_id for h in hits}
                thought = search_reasoning(self.history, text, mark=("\x01", "\x02"))
                hits += [h for h in thought if h.message_id not in seen]
        except HistoryError as e:
            self.note.setText(str(e))
            return
        self.note.setText(
            tr("1 result") if len(hits) == 1 else tr("{count} results").format(count=len(hits))
        )
        for hit in hits:
            snippet = html.escape(hit.snippet).replace("\x01", "<b>").replace("\x02", "</b>")
            label = QLabel(
                f"<small>{html.escape(hit.conversation_title)} · {hit.role}</small><br/>{snippet}"
            )
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, (hit.conversation_id, hit.message_id))
            item.setSizeHint(label.sizeHint())
            self.results.addItem(item)
            self.results.setItemWidget(item, label)

    def done(self, result: int) -> None:
        # A search typed just before the dialog closed (or the app quit) must not run against
        # a history that is already closed.
        self._debounce.stop()
        super().done(result)

    def _choose(self, item: QListWidgetItem) -> None:
        conversation_id, message_id = item.data(Qt.ItemDataRole.UserRole)
        self.hit_was_chosen.emit(conversation_id, message_id)
        self.accept()
