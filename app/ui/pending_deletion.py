"""Delete with undo: a conversation leaves the list at once, but its row in the history is
deleted only when the undo window has passed (or on quit); Undo brings it back untouched."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QPushButton

from app.history import History, HistoryError
from app.ui.i18n import tr

UNDO_MS = 6000


class PendingDeletion(QObject):
    deletion_did_change = Signal()  # the list should hide or show a conversation again

    def __init__(self, history: History, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.conversation_id: int | None = None
        self.timer = QTimer(self, singleShot=True, interval=UNDO_MS)
        self.timer.timeout.connect(self.finish)
        self.button = QPushButton(tr("Conversation deleted — Undo"))
        self.button.clicked.connect(self.undo)
        self.button.hide()

    @property
    def hidden_ids(self) -> set[int]:
        return {self.conversation_id} if self.conversation_id is not None else set()

    def delete(self, conversation_id: int) -> None:
        """Hide it now; delete it when the undo window passes."""
        self.finish()  # one undo at a time: an earlier deletion becomes final
        self.conversation_id = conversation_id
        self.button.show()
        self.timer.start()
        self.deletion_did_change.emit()

    def undo(self) -> None:
        self.timer.stop()
        self.conversation_id = None
        self.button.hide()
        self.deletion_did_change.emit()

    def finish(self) -> None:
        """Make the pending deletion final (the undo window passed, or Fennec quits)."""
        self.timer.stop()
        cid, self.conversation_id = self.conversation_id, None
        self.button.hide()
        if cid is None:
            return
        try:
            self.history.delete_conversation(cid)
        except HistoryError:
            pass  # already gone: nothing left to delete
        self.deletion_did_change.emit()
