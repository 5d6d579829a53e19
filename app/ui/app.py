"""`fennec` with no subcommand: the desktop app (window, tray, worker supervision)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from app import tuning_status
from app.history import History, HistoryError
from app.memory_settings import MEMORY_KEYS, memory_serve_args
from app.settings import Settings
from app.ui.i18n import install_translator, tr
from app.ui.main_window import MainWindow
from app.ui.model_picker import ModelPicker
from app.ui.profiles_dialog import ProfilesDialog
from app.ui.search_dialog import SearchDialog
from app.ui.settings_dialog import SettingsDialog
from app.ui.supervisor import WorkerSupervisor
from app.ui.tray import ThermalTray

if TYPE_CHECKING:
    from app.ui.status_window import StatusWindow

ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "fennec.svg"
TUNING_POLL_MS = 3000


class FennecApp:
    """Wires the window, the tray and the worker supervisor together."""

    def __init__(self, model: str | None = None) -> None:
        self.settings = Settings()
        if model:
            self.settings.set("model", model)
        custom = self.settings.get("history_path")
        self.history = History(Path(custom).expanduser() if custom else None)
        self.window = MainWindow(self.history, self.settings)
        self.supervisor = WorkerSupervisor()
        self.tray: ThermalTray | None = None
        self._shut_down = False
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = ThermalTray()
            self.tray.preset_was_chosen.connect(self._on_preset_chosen)
            self.tray.pause_was_toggled.connect(
                lambda paused: self.supervisor.post("/fennec/pause", {"paused": paused})
            )
            self.tray.window_was_requested.connect(self._show_window)
            self.tray.status_was_requested.connect(self.open_status)
            self.tray.quit_was_requested.connect(QApplication.instance().quit)
            self.tray.show()
        self.window.has_tray = self.tray is not None
        self.window.quit_was_requested.connect(QApplication.instance().quit)
        self.supervisor.worker_did_start.connect(self.window.set_worker)
        self.supervisor.worker_did_fail.connect(self.window.worker_lost)
        self.supervisor.status_did_change.connect(self._on_status)
        self.window.model_was_requested.connect(self.choose_model)
        self.window.search_was_requested.connect(self.open_search)
        self.window.settings_were_requested.connect(self.open_settings)
        self.window.status_was_requested.connect(self.open_status)
        self.window.profiles_were_requested.connect(self.open_profiles)
        self.window.model_target_did_change.connect(self.start_worker)
        self.window.worker_switch_was_requested.connect(self.start_worker)
        self.window.resume_was_requested.connect(
            lambda: self.supervisor.post("/fennec/pause", {"paused": False})
        )
        self.status_window: StatusWindow | None = None  # made on first use: pyqtgraph is heavy
        self._last_status: dict | None = None
        # A tuning run is another process: its progress file is read every few seconds.
        self.tuning_timer = QTimer(interval=TUNING_POLL_MS)
        self.tuning_timer.timeout.connect(self._poll_tuning)
        self.tuning_timer.start()
        QApplication.instance().aboutToQuit.connect(self.shutdown)
        self.start_worker()

    def start_worker(self, model: str | None = None, adapter: str | None = None) -> None:
        """Run the app's model and adapter, or those a conversation's profile names."""
        if model is None:
            model, adapter = self.settings.get("model"), self.settings.get("adapter")
        adapter = adapter or ""
        if not model:
            self.window.show_needs_model()
            return
        self.window.running_target = (model, adapter)
        self.window.show_loading(model)
        extra = memory_serve_args(self.settings)
        if adapter:
            extra += ["--adapter", adapter]
        self.supervisor.start(
            model,
            self.settings.get("engine"),
            self.settings.get("preset"),
            self.settings.get("temperature_source"),
            extra,
        )

    def choose_model(self) -> None:
        picker = ModelPicker(self.window)
        if picker.exec() and picker.chosen:
            self.settings.set("model", picker.chosen)
            self.settings.set("adapter", "")  # an adapter belongs to the model it was tuned on
            self.settings.save()
            self.window.refresh_header()
            self.start_worker()

    def open_profiles(self) -> None:
        dialog = ProfilesDialog(self.window.profiles, self.settings.get("model"), self.window)
        dialog.profiles_did_change.connect(self.window.refresh_header)
        self.profiles_dialog = dialog
        dialog.exec()

    def open_search(self) -> None:
        typed = self.window.search_field.text()  # words typed in the list's search field
        dialog = SearchDialog(self.history, self.window)
        dialog.hit_was_chosen.connect(self.window.open_conversation)
        dialog.show()
        if typed.strip():
            dialog.query.setText(typed)
            dialog.query.setFocus()
        self.search_dialog = dialog

    def open_settings(self) -> None:
        keys = ("model", "engine", "adapter", *MEMORY_KEYS)
        before = [self.settings.get(k) for k in keys]
        if SettingsDialog(self.settings, self.window).exec():
            self.window.refresh_header()
            if [self.settings.get(k) for k in keys] != before:
                self.start_worker()
            else:
                self.supervisor.post("/fennec/preset", {"preset": self.settings.get("preset")})

    def _on_preset_chosen(self, preset: str) -> None:
        self.settings.set("preset", preset)
        self.settings.save()
        self.supervisor.post("/fennec/preset", {"preset": preset})

    def open_status(self) -> None:
        if self.status_window is None:
            # Imported here, for real, on first use: pyqtgraph is heavy at start-up.
            from app.ui.status_window import StatusWindow

            self.status_window = StatusWindow(self.window)
            self.status_window.show_status(self._last_status)
        self.status_window.show()
        self.status_window.raise_()

    def _on_status(self, status: dict | None) -> None:
        self._last_status = status
        self.window.show_status(status)
        if self.status_window is not None:
            self.status_window.show_status(status)
        if self.tray is not None:
            self.tray.show_status(status)

    def _poll_tuning(self) -> None:
        status = tuning_status.read_status()
        summary = status.summary if status is not None else None
        if self.tray is not None:
            self.tray.show_tuning(summary)

    def _show_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def shutdown(self) -> None:
        if self._shut_down:  # called by aboutToQuit and by whoever quits us
            return
        self._shut_down = True
        self.tuning_timer.stop()
        self.window.stop()  # the partial answer is saved before the history closes
        self.window.deletion.finish()  # a deletion still undoable becomes final
        self.supervisor.status_did_change.disconnect(self._on_status)
        self.supervisor.stop()
        search = getattr(self, "search_dialog", None)
        if search is not None:
            search.reject()  # its pending search would read the closed history
        self.history.close()


def _install_excepthook() -> None:
    """A bug in a slot becomes a calm message (the details go to stderr), not a silent
    failure; the history is written as it streams, so nothing is lost."""
    previous = sys.excepthook

    def hook(kind, value, tb) -> None:
        previous(kind, value, tb)
        QMessageBox.warning(
            None,
            tr("Fennec"),
            tr(
                "Something went wrong: {error}\n\n"
                "Your conversations are saved. If this keeps happening, restart Fennec."
            ).format(error=value),
        )

    sys.excepthook = hook


def run_app(model: str | None = None, self_test: Path | None = None) -> int:
    started = time.time()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    if self_test is None:
        _install_excepthook()
    app.setApplicationName("Fennec")
    app.setWindowIcon(QIcon(str(ICON)))
    app.setQuitOnLastWindowClosed(True)
    install_translator(Settings().get("language"))  # before any window is built
    try:
        fennec = FennecApp(model)
    except HistoryError as e:
        QMessageBox.critical(None, tr("Fennec"), str(e))
        return 1
    fennec.window.show()
    if self_test is not None:
        from app.ui.self_test import attach_self_test

        attach_self_test(fennec, self_test, started)
    code = app.exec()
    tear_down(fennec, app)
    return code


def tear_down(fennec: FennecApp, app: QApplication) -> None:
    """End in a fixed order: worker and history first, then every window and the tray while
    the QApplication still lives, so the interpreter's finaliser finds no Qt object left."""
    fennec.shutdown()
    if fennec.tray is not None:
        fennec.tray.hide()
    for widget in (fennec.status_window, getattr(fennec, "search_dialog", None), fennec.window):
        if widget is not None:
            widget.close()
            widget.deleteLater()
    if fennec.tray is not None:
        fennec.tray.deleteLater()
    # The deferred deletes run now, while Qt is whole (processEvents alone skips them).
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    sys.stdout.flush()
    sys.stderr.flush()
