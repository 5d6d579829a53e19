"""The header's model selector: who answers this conversation.

One list: the model in use (alone, or with one of the LoRA adapters tuned for it, listed under
it), the user's assistant profiles (model + adapter + system prompt, chosen per conversation),
then "Get more models…" and "Manage profiles…". Choosing a plain model or adapter changes the
app's model; choosing a profile changes only this conversation.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox

from app.profiles import ProfileStore
from app.tune_store import adapters_for
from app.ui.i18n import tr

MODEL, ADAPTER, PROFILE, ACTION = "model", "adapter", "profile", "action"
MORE_MODELS, MANAGE_PROFILES = "more", "profiles"


def _key(kind: str, value: str) -> str:
    # Item data as one string: Qt's findData compares strings reliably, Python tuples not.
    return f"{kind}\n{value}"


def model_label(model: str) -> str:
    """A model setting (path or Hub id) as a short name."""
    if not model:
        return tr("No model")
    # A path shows its last part; a Hub id (org/name) shows whole.
    local = model.startswith(("/", "~", ".")) or "\\" in model or Path(model).exists()
    return Path(model).name if local else model


class ModelHeader(QComboBox):
    model_was_chosen = Signal(str)  # the app's adapter ("" none): the model stays
    profile_was_chosen = Signal(str)  # for this conversation ("" back to the app's model)
    more_models_were_requested = Signal()
    profiles_were_requested = Signal()

    def __init__(self, profiles: ProfileStore | None = None) -> None:
        super().__init__()
        self.profiles = profiles or ProfileStore()
        self.setAccessibleName(tr("Model"))
        self.setToolTip(tr("Who answers this conversation: the model, a tuned adapter, a profile"))
        self.setMinimumContentsLength(24)
        self.model = ""
        self.adapter = ""
        self.profile: str | None = None
        self.activated.connect(self._on_activated)

    def show_choice(self, model: str, adapter: str, profile: str | None) -> None:
        """Fill the list for the app's model and select this conversation's choice."""
        self.model, self.adapter, self.profile = model, adapter, profile
        self.blockSignals(True)
        self.clear()
        name = model_label(model)
        self.addItem(name, _key(MODEL, ""))
        for stored in adapters_for(model) if model else []:
            self.addItem(
                tr("{model} + {adapter}").format(model=name, adapter=stored.meta.name),
                _key(ADAPTER, str(stored.path)),
            )
        if adapter and self.findData(_key(ADAPTER, adapter)) < 0:
            self.addItem(
                tr("{model} + {adapter}").format(model=name, adapter=Path(adapter).name),
                _key(ADAPTER, adapter),
            )
        for p in self.profiles.list():
            self.addItem(tr("Profile: {name}").format(name=p.name), _key(PROFILE, p.name))
        self.insertSeparator(self.count())
        self.addItem(tr("Get more models…"), _key(ACTION, MORE_MODELS))
        self.addItem(tr("Manage profiles…"), _key(ACTION, MANAGE_PROFILES))
        self._select_current()
        self.blockSignals(False)

    def _select_current(self) -> None:
        if self.profile is not None and self.findData(_key(PROFILE, self.profile)) >= 0:
            wanted = _key(PROFILE, self.profile)
        else:
            wanted = _key(ADAPTER, self.adapter) if self.adapter else _key(MODEL, "")
        self.setCurrentIndex(max(0, self.findData(wanted)))

    def _on_activated(self, index: int) -> None:
        data = self.itemData(index)
        if not isinstance(data, str):
            return  # the separator
        kind, _, value = data.partition("\n")
        if kind == ACTION:
            self.blockSignals(True)
            self._select_current()  # an action is not a choice: the list shows the old one
            self.blockSignals(False)
            if value == MORE_MODELS:
                self.more_models_were_requested.emit()
            else:
                self.profiles_were_requested.emit()
        elif kind == PROFILE:
            self.profile = value
            self.profile_was_chosen.emit(value)
        else:
            self.profile = None
            self.adapter = value
            self.profile_was_chosen.emit("")
            self.model_was_chosen.emit(value)
