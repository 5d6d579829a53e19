"""Manage assistant profiles: a name, a model, one of its tuned adapters, a system prompt."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.profiles import Profile, ProfileError, ProfileStore
from app.tune_store import adapters_for
from app.ui.i18n import tr
from app.ui.settings_dialog import PathField


class ProfilesDialog(QDialog):
    profiles_did_change = Signal()

    def __init__(self, store: ProfileStore, default_model: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Assistant profiles — Fennec"))
        self.store = store
        self.default_model = default_model
        self.editing: str | None = None  # the profile shown in the form (None: a new one)
        self.names = QListWidget()
        self.names.setAccessibleName(tr("Profiles"))
        self.names.currentTextChanged.connect(self._on_names_current_text_changed)
        self.name = QLineEdit()
        self.model = PathField(default_model, "model")
        self.model.edit.editingFinished.connect(self._fill_adapters)
        self.adapter = QComboBox()
        self.system_prompt = QPlainTextEdit()
        self.system_prompt.setPlaceholderText(tr("e.g. You are a careful triage assistant."))
        self.error = QLabel("")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("Name"), self.name)
        form.addRow(tr("Model"), self.model)
        form.addRow(tr("Adapter"), self.adapter)
        form.addRow(tr("System prompt"), self.system_prompt)
        self.new_button = QPushButton(tr("New"))
        self.new_button.clicked.connect(self.new_profile)
        self.save_button = QPushButton(tr("Save"))
        self.save_button.clicked.connect(self.save_profile)
        self.delete_button = QPushButton(tr("Delete"))
        self.delete_button.clicked.connect(self.delete_profile)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.save_button, self.delete_button):
            buttons.addWidget(b)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addLayout(form)
        rv.addWidget(self.error)
        rv.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(self.names)
        layout.addWidget(right, 1)
        rv.addWidget(close)
        self._refresh()
        self.new_profile()

    def _refresh(self, select: str | None = None) -> None:
        self.names.blockSignals(True)
        self.names.clear()
        for p in self.store.list():
            self.names.addItem(p.name)
        self.names.blockSignals(False)
        if select is not None:
            matches = [i for i in range(self.names.count()) if self.names.item(i).text() == select]
            if matches:
                self.names.setCurrentRow(matches[0])

    def _fill_adapters(self, chosen: str = "") -> None:
        self.adapter.clear()
        self.adapter.addItem(tr("None"), "")
        for stored in adapters_for(self.model.text()):
            self.adapter.addItem(stored.meta.name, str(stored.path))
        if chosen and self.adapter.findData(chosen) < 0:
            self.adapter.addItem(chosen, chosen)
        self.adapter.setCurrentIndex(max(0, self.adapter.findData(chosen)))

    def new_profile(self) -> None:
        self.editing = None
        self.names.blockSignals(True)
        self.names.setCurrentRow(-1)  # choosing the first one again must load it
        self.names.blockSignals(False)
        self.name.setText("")
        self.model.edit.setText(self.default_model)
        self._fill_adapters()
        self.system_prompt.setPlainText("")
        self.error.setText("")
        self.name.setFocus()

    def _on_names_current_text_changed(self, name: str) -> None:
        profile = self.store.get(name)
        if profile is None:
            return
        self.editing = profile.name
        self.name.setText(profile.name)
        self.model.edit.setText(profile.model)
        self._fill_adapters(profile.adapter)
        self.system_prompt.setPlainText(profile.system_prompt)
        self.error.setText("")

    def save_profile(self) -> None:
        profile = Profile(
            self.name.text(),
            self.model.text(),
            self.adapter.currentData() or "",
            self.system_prompt.toPlainText().strip(),
        )
        try:
            self.store.save(profile, replacing=self.editing)
        except ProfileError as e:
            self.error.setText(str(e))
            return
        self.editing = profile.name.strip()
        self.error.setText(tr("Saved."))
        self._refresh(select=self.editing)
        self.profiles_did_change.emit()

    def delete_profile(self) -> None:
        if self.editing is None:
            return
        try:
            self.store.remove(self.editing)
        except ProfileError as e:  # a full disk or a read-only folder: said, nothing lost
            self.error.setText(str(e))
            return
        self._refresh()
        self.new_profile()
        self.profiles_did_change.emit()
