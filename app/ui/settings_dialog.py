"""The settings dialog, built from the declarative schema in app/settings.py."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.settings import SCHEMA, Setting, Settings
from app.ui.i18n import tr

FIELD_WIDTH = 360  # wide enough for a path or a sentence without scrolling


class PathField(QWidget):
    """A path with a Browse… button; for a model, a folder or a GGUF file."""

    def __init__(self, value: str, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.edit = QLineEdit(value)
        self.browse = QPushButton(tr("Browse…"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse)
        if kind == "model":
            menu = QMenu(self.browse)
            menu.addAction(tr("Model folder…")).triggered.connect(self._pick_folder)
            menu.addAction(tr("GGUF file…")).triggered.connect(self._pick_gguf)
            self.browse.setMenu(menu)
        else:
            self.browse.clicked.connect(self._pick_file)

    def text(self) -> str:
        return self.edit.text().strip()

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Model folder", self.text())
        if path:
            self.edit.setText(path)

    def _pick_gguf(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "GGUF model", self.text(), "GGUF (*.gguf)")
        if path:
            self.edit.setText(path)

    def _pick_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "History database", self.text() or "history.db", "SQLite (*.db)"
        )
        if path:
            self.edit.setText(path)


def _editor(setting: Setting, value) -> QWidget:
    if setting.choices:
        box = QComboBox()
        labels = setting.choice_labels or setting.choices
        for label, choice in zip(labels, setting.choices, strict=True):
            box.addItem(tr(label), choice)  # shown in words, stored as the value
        box.setCurrentIndex(max(0, box.findData(str(value))))
        return box
    if setting.kind is int:
        spin = QSpinBox()
        spin.setRange(int(setting.minimum or 0), int(setting.maximum or 10**9))
        spin.setValue(int(value))
        return spin
    if setting.kind is float:
        dspin = QDoubleSpinBox()
        dspin.setRange(setting.minimum or 0.0, setting.maximum or 1e9)
        dspin.setSingleStep(0.1)
        dspin.setValue(float(value))
        return dspin
    if setting.editor == "multiline":
        text = QPlainTextEdit(str(value))
        text.setPlaceholderText(tr("e.g. You are a concise assistant for a triage nurse."))
        text.setMinimumHeight(90)
        return text
    if setting.editor in ("model", "file"):
        return PathField(str(value), setting.editor)
    if setting.editor == "provider":
        return _provider_box(str(value))
    if setting.editor == "adapter":
        return _adapter_box(str(value))
    return QLineEdit(str(value))


def _provider_box(value: str) -> QComboBox:
    """None, or one of the user's providers (a name no longer known stays, marked)."""
    from app.ui.privacy_bar import provider_names

    box = QComboBox()
    box.addItem(tr("Never (stay on this machine)"), "")
    for name in provider_names():
        box.addItem(name, name)
    if value and box.findData(value) < 0:
        box.addItem(f"{value} (not found)", value)
    box.setCurrentIndex(max(0, box.findData(value)))
    return box


def editor_value(editor: QWidget):
    """What an editor holds, as the schema's value."""
    if isinstance(editor, QComboBox):
        return editor.currentData()
    if isinstance(editor, QSpinBox | QDoubleSpinBox):
        return editor.value()
    if isinstance(editor, QPlainTextEdit):
        return editor.toPlainText().strip()
    if isinstance(editor, PathField):
        return editor.text()
    assert isinstance(editor, QLineEdit)
    return editor.text()


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Settings — Fennec"))
        self.settings = settings
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for s in SCHEMA:
            editor = _editor(s, settings.get(s.key))
            editor.setToolTip(tr(s.help))
            editor.setMinimumWidth(FIELD_WIDTH)
            self.editors[s.key] = editor
            form.addRow(tr(s.label), editor)
        providers = QPushButton(tr("Remote providers…"))
        providers.setToolTip(tr("OpenAI-compatible endpoints; their keys stay in the keychain"))
        providers.clicked.connect(self._on_providers_clicked)
        form.addRow(tr("Providers"), providers)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _on_providers_clicked(self) -> None:
        from app.ui.providers_page import ProvidersDialog

        ProvidersDialog(parent=self).exec()

    def _save(self) -> None:
        try:
            for key, editor in self.editors.items():
                self.settings.set(key, editor_value(editor))
            self.settings.save()
        except (ValueError, OSError) as e:
            self.error.setText(str(e))  # the dialog stays open with what the user typed
            return
        self.accept()


def _adapter_box(value: str) -> QComboBox:
    """None, or one of the stored adapters (fennec tune list), named with its base model."""
    from app.tune_store import list_adapters

    box = QComboBox()
    box.addItem(tr("None"), "")
    for stored in list_adapters():
        box.addItem(f"{stored.meta.name} (for {stored.meta.base_model})", str(stored.path))
    if value and box.findData(value) < 0:
        box.addItem(value, value)
    box.setCurrentIndex(max(0, box.findData(value)))
    return box
