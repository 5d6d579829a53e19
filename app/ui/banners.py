"""A one-line banner above the chat: a message and, when there is something to do about it,
one button that does it ("Resume", "Choose another model…")."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton


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
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.button)
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
        something is under way, a busy bar."""
        self.label.setText(text)
        self.busy.setVisible(busy)
        self._on_action = on_action
        self.button.setText(action)
        self.button.setVisible(bool(action and on_action))
        self.setVisible(bool(text))

    def text(self) -> str:
        return self.label.text()

    def _on_button_clicked(self) -> None:
        if self._on_action is not None:
            self._on_action()
