"""A one-line banner above the chat: a message and, when there is something to do about it,
one button that does it ("Resume", "Choose another model…")."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout

from app.ui.error_words import humane
from app.ui.i18n import tr


class Banner(QFrame):
    def __init__(self) -> None:
        super().__init__()
        # The system's tooltip colours: readable in light and dark palettes, and distinct
        # from the transcript's background.
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.label.setForegroundRole(QPalette.ColorRole.ToolTipText)
        # Busy without a percentage: the worker does not report how far a model load has got.
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(160)
        self.busy.setTextVisible(False)
        self.button = QPushButton("")
        self.button.clicked.connect(self._on_button_clicked)
        # The technical text behind a calm message, shown only when asked for.
        self.details_button = QPushButton(tr("Details"))
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._on_details_button_toggled)
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.label, 1)
        row.addWidget(self.busy)
        row.addWidget(self.details_button)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addLayout(row)
        layout.addWidget(self.details)
        self._on_action: Callable[[], object] | None = None
        self.show_message("")

    def show_message(
        self,
        text: str,
        action: str = "",
        on_action: Callable[[], object] | None = None,
        busy: bool = False,
    ) -> None:
        """Show `text` (hide the banner when empty), with a button labelled `action` and, while
        something is under way, a busy bar. A technical error is told in plain words, its
        original text behind "Details"."""
        text, details = humane(text)
        self.label.setText(text)
        self.details.setText(details)
        self.details_button.setChecked(False)
        self.details_button.setVisible(bool(details))
        self.details.setVisible(False)
        self.busy.setVisible(busy)
        self._on_action = on_action
        self.button.setText(action)
        self.button.setVisible(bool(action and on_action))
        self.setVisible(bool(text))

    def text(self) -> str:
        return self.label.text()

    def _on_details_button_toggled(self, shown: bool) -> None:
        self.details.setVisible(shown)

    def _on_button_clicked(self) -> None:
        if self._on_action is not None:
            self._on_action()
