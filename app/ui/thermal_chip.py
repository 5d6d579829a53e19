"""The thermal chip in the status bar: a dot in the state's colour, temperature and watts.
A click opens the status window with its graphs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QToolButton

from app.thermal_state import COLORS, tray_state
from app.ui.i18n import tr

DOT_PX = 12


def chip_text(status: dict | None) -> str:
    """Temperature and watts, or a dash for what no sensor reads."""
    if not status:
        return "—"
    temp, watts = status.get("temperature_c"), status.get("power_w")
    return " · ".join(
        [
            f"{temp:.0f} °C" if temp is not None else "— °C",
            f"{watts:.1f} W" if watts is not None else "— W",
        ]
    )


def _dot(colour: str) -> QIcon:
    pixmap = QPixmap(DOT_PX, DOT_PX)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(1, 1, DOT_PX - 2, DOT_PX - 2)
    painter.end()
    return QIcon(pixmap)


class ThermalChip(QToolButton):
    def __init__(self) -> None:
        super().__init__()
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAccessibleName(tr("Thermal status"))
        self.state = ""
        self.show_status(None)

    def show_status(self, status: dict | None) -> None:
        shown = tray_state(status)
        self.setText(chip_text(status))
        self.setToolTip(shown.tooltip + "\nClick for the status window.")
        if shown.state != self.state:  # the dot is redrawn only when the state changes
            self.state = shown.state
            self.setIcon(_dot(COLORS[shown.state]))
