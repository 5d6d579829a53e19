"""The settings dialog, built from the declarative schema in app/settings.py."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
)

from app.settings import SCHEMA, Settings


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings — Fennec")
        self.settings = settings
        self.editors = {}
        form = QFormLayout(self)
        for s in SCHEMA:
            value = settings.get(s.key)
            if s.choices:
                editor = QComboBox()
                editor.addItems(list(s.choices))
                editor.setCurrentText(str(value))
            elif s.kind is int:
                editor = QSpinBox()
                editor.setRange(int(s.minimum or 0), int(s.maximum or 10**9))
                editor.setValue(int(value))
            elif s.kind is float:
                editor = QDoubleSpinBox()
                editor.setRange(s.minimum or 0.0, s.maximum or 1e9)
                editor.setSingleStep(0.1)
                editor.setValue(float(value))
            else:
                editor = QLineEdit(str(value))
            editor.setToolTip(s.help)
            self.editors[s.key] = editor
            form.addRow(s.label, editor)
        self.error = QLabel("")
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _save(self) -> None:
        try:
            for key, editor in self.editors.items():
                if isinstance(editor, QComboBox):
                    self.settings.set(key, editor.currentText())
                elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                    self.settings.set(key, editor.value())
                else:
                    self.settings.set(key, editor.text())
            self.settings.save()
        except (ValueError, OSError) as e:
            self.error.setText(str(e))
            return
        self.accept()
