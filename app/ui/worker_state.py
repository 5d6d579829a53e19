"""What the window shows of the worker: loading, ready, restarting, failed, paused, cooling.

The banner says what is wrong and offers what to do; the status bar holds the figures
(model, tok/s), a quiet note from the governor and the thermal chip. Figures that no
longer hold (a restart, a failure) are cleared, never left standing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QStatusBar

from app.ui.banners import Banner
from app.ui.i18n import tr, tr_noop
from app.ui.thermal_chip import ThermalChip

RESTARTING_SUFFIX = tr_noop("restarting…")  # how the supervisor ends one it will retry
PAUSED = tr_noop("Generation is paused.")
PAUSED_WITH_ANSWER = tr_noop("Generation is paused — your answer starts when you resume.")


def figures(status: dict) -> str:
    """The status bar's main line for a running worker."""
    return (
        f"{status['engine']} · {status['device']} · {status['model']}"
        f" · {status['tokens_per_s']:.1f} tok/s"
    )


def thermal_note(status: dict | None) -> str:
    """The governor's pause in words ("Cooling down, about 20 s"), or "" while it runs."""
    if not status:
        return ""
    state, note = status.get("thermal_state"), status.get("thermal_note")
    if state == "cooling":
        wait = status.get("cooling_wait_s")
        if wait is None:
            return tr("Cooling down")
        return tr("Cooling down, about {seconds} s").format(seconds=f"{wait:.0f}")
    if state == "infeasible":
        return note or tr("Cannot hold the temperature limit: paused")
    if state == "blind":
        return note or tr("No temperature sensor: answers are paced carefully")
    return ""


class WorkerStateView(QObject):
    resume_was_requested = Signal()
    model_was_requested = Signal()
    status_was_requested = Signal()

    def __init__(self, status_bar: QStatusBar) -> None:
        super().__init__(status_bar)
        self.state = "none"  # none, loading, ready, restarting, failed
        self.paused = False
        self.answer_waiting = False  # an answer was asked for while paused
        self.last_status: dict | None = None
        self.reloading = False  # the banner says the idle-unloaded model is loading again
        self.banner = Banner()
        self.pause_banner = Banner()
        self.figures = QLabel(tr("No model yet"))
        self.note = QLabel("")
        self.chip = ThermalChip()
        self.chip.clicked.connect(self.status_was_requested.emit)
        status_bar.addWidget(self.figures, 1)
        status_bar.addPermanentWidget(self.note)  # the chip sits in the window's header

    def loading(self, model: str) -> None:
        self.state = "loading"
        self.banner.show_message(
            tr("Loading {model}…").format(model=Path(model).name or model), busy=True
        )
        self._clear_figures(tr("Loading the model…"))

    def ready(self, model: str) -> None:
        self.state = "ready"
        self.banner.show_message("")
        self.figures.setText(tr("Ready · {model}").format(model=model))

    def lost(self, message: str) -> None:
        if message.endswith(tr(RESTARTING_SUFFIX)):
            self.state = "restarting"
            self.banner.show_message(message, busy=True)
            self._clear_figures(tr("Restarting the model…"))
        else:
            self.state = "failed"
            self.banner.show_message(
                message, tr("Choose another model…"), self.model_was_requested.emit
            )
            self._clear_figures(tr("No model running"))

    def no_model(self) -> None:
        self.state = "none"
        self._clear_figures(tr("No model yet"))

    def show_status(self, status: dict | None) -> None:
        self.last_status = status or None
        if not status:
            # A missed poll (a busy worker) keeps the last figures; a worker that ended is
            # reported by lost(), which clears them.
            return
        self.figures.setText(figures(status))
        self.chip.show_status(status)
        self.note.setText(thermal_note(status))
        self._show_model_state(status.get("model_state"))
        self.paused = bool(status.get("paused"))
        self.show_pause()

    def _show_model_state(self, state: str | None) -> None:
        """The worker frees an idle model and loads it again for the next message: say so
        while it loads, and quietly while it is out of memory."""
        if state == "loading":
            self.banner.show_message(tr("Loading the model…"), busy=True)
            self.reloading = True
        elif self.reloading:
            self.reloading = False
            self.banner.show_message("")
        if state == "unloaded":
            self.figures.setText(tr("Model resting to save memory: the next message loads it"))

    def show_pause(self) -> None:
        """Show or hide the paused banner, saying so when an answer waits on it."""
        if not self.paused:
            self.answer_waiting = False
            self.pause_banner.show_message("")
            return
        text = tr(PAUSED_WITH_ANSWER if self.answer_waiting else PAUSED)
        self.pause_banner.show_message(text, tr("Resume"), self.resume_was_requested.emit)

    def _clear_figures(self, words: str) -> None:
        self.figures.setText(words)
        self.note.setText("")
        self.chip.show_status(None)
        self.paused = False
        self.show_pause()
