"""What the chat pane shows before there is a chat: a welcome with example prompts for an
empty conversation, and the "choose a model" page before there is a model."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.i18n import tr, tr_noop

EXAMPLE_PROMPTS = (
    tr_noop("Explain how a fennec fox keeps cool in the desert"),
    tr_noop("Write a Python function that checks whether a word is a palindrome"),
    tr_noop("Suggest three ideas for a quiet weekend at home"),
    tr_noop("Summarise the pros and cons of running a language model locally"),
)

INTRO = tr_noop(
    "<h2>What can I help with?</h2>"
    "<p>Fennec answers with a model that runs entirely on this computer: "
    "nothing you type leaves it, and the laptop stays cool and quiet while it works.</p>"
    "<p>Try one of these, or type your own below.</p>"
)


class WelcomePage(QWidget):
    prompt_was_chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.intro = QLabel(tr(INTRO))
        self.intro.setWordWrap(True)
        self.intro.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addStretch()
        layout.addWidget(self.intro)
        self.example_buttons: list[QPushButton] = []
        for prompt in (tr(p) for p in EXAMPLE_PROMPTS):
            button = QPushButton(prompt)
            button.setToolTip(tr("Send this question"))
            button.clicked.connect(lambda _checked=False, p=prompt: self.prompt_was_chosen.emit(p))
            layout.addWidget(button, alignment=Qt.AlignmentFlag.AlignCenter)
            self.example_buttons.append(button)
        layout.addStretch()


class NeedsModelPage(QWidget):
    model_was_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.label = QLabel(
            tr(
                "<h2>Choose or download a model</h2>"
                "<p>Fennec runs a model entirely on this computer.</p>"
            )
        )
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.choose_button = QPushButton(tr("Choose a model…"))
        self.choose_button.clicked.connect(self.model_was_requested.emit)
        layout = QVBoxLayout(self)
        layout.addStretch()
        layout.addWidget(self.label)
        layout.addWidget(self.choose_button, alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addStretch()
