"""The tray / menu-bar icon: thermal state at a glance, a live graph, power modes, pause."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QIcon,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QLabel, QMenu, QSystemTrayIcon, QWidget, QWidgetAction

from app.thermal_state import COLORS, tray_state, with_tuning
from app.ui.i18n import tr
from thermal.governor import PRESET_LABELS


def state_icon(state: str, size: int = 64) -> QIcon:
    """A thermometer in the state's colour: readable at 16 px in a menu bar."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(COLORS.get(state, COLORS["unknown"]))
    p.setPen(QPen(QColor("#222222"), size * 0.05))
    p.setBrush(QColor("#f4f4f4"))
    p.drawRoundedRect(
        QRectF(size * 0.38, size * 0.06, size * 0.24, size * 0.62), size * 0.12, size * 0.12
    )
    p.setBrush(color)
    p.drawEllipse(QPointF(size * 0.5, size * 0.74), size * 0.2, size * 0.2)
    p.setPen(Qt.PenStyle.NoPen)
    fill = {"cool": 0.25, "warm": 0.45, "throttled": 0.6, "hot": 0.75}.get(state, 0.15)
    top = size * (0.66 - 0.55 * fill)
    p.drawRect(QRectF(size * 0.44, top, size * 0.12, size * 0.66 - top))
    p.end()
    return QIcon(pix)


class Sparkline(QWidget):
    """Temperature (line) and power (bars) over the last minutes."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumSize(220, 60)
        self.history: list[dict] = []

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        palette = self.palette()
        p.fillRect(0, 0, w, h, palette.color(QPalette.ColorRole.Base))
        temps = [e["temperature_c"] for e in self.history if e.get("temperature_c") is not None]
        watts = [e.get("power_w") or 0.0 for e in self.history]
        if len(temps) < 2 and not any(watts):
            p.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(
                QRectF(0, 0, w, h),
                Qt.AlignmentFlag.AlignCenter,
                "No sensor readings yet" if self.history else "No model running",
            )
            p.end()
            return
        n = max(len(self.history), 2)
        if watts and max(watts) > 0:
            top = max(watts)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(90, 123, 214, 140))
            for i, v in enumerate(watts):
                bar = (h - 4) * v / top
                p.drawRect(QRectF(i * w / n, h - bar, max(1.0, w / n - 1), bar))
        if len(temps) >= 2:
            lo, hi = min(temps) - 1, max(temps) + 1
            p.setPen(QPen(QColor("#f0a030"), 2))
            points = [
                QPointF(i * w / (len(temps) - 1), h - (t - lo) / (hi - lo) * (h - 4) - 2)
                for i, t in enumerate(temps)
            ]
            for a, b in zip(points, points[1:], strict=False):
                p.drawLine(a, b)
            p.setPen(palette.color(QPalette.ColorRole.Text))
            p.drawText(4, 14, f"{temps[-1]:.1f} °C")
        p.end()


class ThermalTray(QSystemTrayIcon):
    preset_was_chosen = Signal(str)
    pause_was_toggled = Signal(bool)
    window_was_requested = Signal()
    status_was_requested = Signal()
    quit_was_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.state = "unknown"
        self.status: dict | None = None
        self.tuning: str | None = None  # a tuning run's one-line summary, while one runs
        self.setIcon(state_icon(self.state))
        self.setToolTip(tr("Fennec"))
        menu = QMenu()
        # A label, not a disabled action: disabled text is greyed out and hard to read.
        self.summary_label = QLabel(tr("Fennec"))
        self.summary_label.setContentsMargins(10, 6, 10, 2)
        summary_action = QWidgetAction(menu)
        summary_action.setDefaultWidget(self.summary_label)
        menu.addAction(summary_action)
        self.graph = Sparkline()
        graph_action = QWidgetAction(menu)
        graph_action.setDefaultWidget(self.graph)
        menu.addAction(graph_action)
        menu.addSeparator()
        self.preset_actions: dict[str, QAction] = {}
        group = QActionGroup(menu)
        for key, label in PRESET_LABELS.items():
            action = menu.addAction(tr(label).replace("&", "&&"))  # a lone & would be a mnemonic
            action.setCheckable(True)
            action.setActionGroup(group)
            action.triggered.connect(lambda _=False, k=key: self.preset_was_chosen.emit(k))
            self.preset_actions[key] = action
        self.preset_actions["cool"].setChecked(True)
        menu.addSeparator()
        self.pause_action = menu.addAction(tr("Pause"))
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(self.pause_was_toggled.emit)
        menu.addAction(tr("Status and graphs…")).triggered.connect(self.status_was_requested.emit)
        menu.addAction(tr("Open Fennec")).triggered.connect(self.window_was_requested.emit)
        menu.addAction(tr("Quit")).triggered.connect(self.quit_was_requested.emit)
        self._menu = menu
        self.setContextMenu(menu)
        self.activated.connect(self._on_activated)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # Right-click (Context) shows the menu only; raising the window would cover it.
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.window_was_requested.emit()

    def show_tuning(self, summary: str | None) -> None:
        """A tuning run's progress (None: none runs), shown beside the worker's state."""
        if summary != self.tuning:
            self.tuning = summary
            self.show_status(self.status)

    def show_status(self, status: dict | None) -> None:
        self.status = status
        state = with_tuning(tray_state(status), self.tuning)
        if state.state != self.state:
            self.state = state.state
            self.setIcon(state_icon(self.state))
        self.setToolTip(state.tooltip)
        self.summary_label.setText(state.tooltip.removeprefix("Fennec — ").split("\n")[0])
        if status:
            self.graph.history = status.get("history", [])
            self.graph.update()
            preset = status.get("preset")
            if preset in self.preset_actions:
                self.preset_actions[preset].setChecked(True)
