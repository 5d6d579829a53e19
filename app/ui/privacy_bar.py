"""The privacy toggle above the chat: Local-only or Allowed-remote, per conversation, who
should answer it (automatic, this machine, or one of the user's providers), and where its
next answer would be made (app.routing decides; nothing is sent to find out)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from app import history_reasoning, history_routing
from app.history import History, HistoryError
from app.routing import LOCAL, OffloadPolicy, Privacy, WorkerState, estimate_tokens, route
from app.ui.i18n import tr, tr_noop

CHOICES = (
    (
        Privacy.LOCAL_ONLY,
        tr_noop("Local-only"),
        tr_noop("This conversation never leaves this computer"),
    ),
    (
        Privacy.ALLOWED_REMOTE,
        tr_noop("Allowed-remote"),
        tr_noop("This conversation may be answered by one of your remote providers"),
    ),
)


AUTOMATIC = ""  # the route choice stored as None: the rules decide
THINK_CHOICES = (
    (tr_noop("Thinking: model default"), None),
    (tr_noop("Thinking: on"), True),
    (tr_noop("Thinking: off"), False),
)


class PrivacyBar(QWidget):
    route_did_change = Signal()  # where the next answer goes may have changed

    def __init__(
        self,
        history: History,
        providers: Callable[[], list[str]],
        worker_status: Callable[[], dict | None],
        policy: Callable[[], OffloadPolicy] = OffloadPolicy,
    ) -> None:
        super().__init__()
        self.history = history
        self.providers = providers
        self.worker_status = worker_status
        self.policy = policy
        self.conversation_id: int | None = None
        self.pending = Privacy.LOCAL_ONLY  # a new chat's choice, kept until it is created
        self.pending_choice: str | None = None
        self.pending_think: bool | None = None
        self.planned_remote = False  # the next answer would go to a provider
        self.toggle = QComboBox()
        self.toggle.setAccessibleName(tr("Privacy"))
        for flag, text, tip in CHOICES:
            self.toggle.addItem(tr(text), flag.value)
            self.toggle.setItemData(self.toggle.count() - 1, tr(tip), Qt.ItemDataRole.ToolTipRole)
        self.toggle.currentIndexChanged.connect(self._on_toggle_changed)
        self.choice = QComboBox()
        self.choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.choice.setAccessibleName(tr("Answer with"))
        self.choice.setToolTip(tr("Who answers this conversation"))
        self.choice.currentIndexChanged.connect(self._on_choice_changed)
        self.think = QComboBox()
        self.think.setAccessibleName(tr("Thinking"))
        self.think.setToolTip(
            tr(
                "For models that think before answering (Qwen3, gpt-oss…): on, off, or as the "
                "model does by default. Models without the switch ignore it."
            )
        )
        for text, value in THINK_CHOICES:
            self.think.addItem(tr(text), value)
        self.think.currentIndexChanged.connect(self._on_think_changed)
        self.route_label = QLabel("")
        self.route_label.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.choice)
        layout.addWidget(self.think)
        layout.addWidget(self.route_label, 1)

    @property
    def privacy(self) -> Privacy:
        return Privacy(self.toggle.currentData())

    @property
    def route_choice(self) -> str | None:
        data = self.choice.currentData()
        return None if not data else str(data)

    def show_conversation(self, conversation_id: int | None) -> None:
        self.conversation_id = conversation_id
        flag, choice, think = self.pending, self.pending_choice, self.pending_think
        if conversation_id is not None:
            try:
                flag = history_routing.privacy(self.history, conversation_id)
                choice = history_routing.route_choice(self.history, conversation_id)
                think = history_reasoning.think(self.history, conversation_id)
            except HistoryError:
                flag, choice, think = Privacy.LOCAL_ONLY, None, None
        self.think.blockSignals(True)
        self.think.setCurrentIndex([v for _, v in THINK_CHOICES].index(think))
        self.think.blockSignals(False)
        self.toggle.blockSignals(True)
        self.toggle.setCurrentIndex(self.toggle.findData(flag.value))
        self.toggle.blockSignals(False)
        self._fill_choices(choice)
        self.refresh_route()

    def _fill_choices(self, choice: str | None) -> None:
        """Automatic, this machine, and each provider; a Local-only chat offers no provider."""
        self.choice.blockSignals(True)
        self.choice.clear()
        self.choice.addItem(tr("Automatic"), AUTOMATIC)
        self.choice.addItem(tr("This machine"), LOCAL)
        if self.privacy is Privacy.ALLOWED_REMOTE:
            for name in self.providers():
                self.choice.addItem(name, name)
        if choice and self.choice.findData(choice) < 0:
            # A provider removed since, or one a Local-only chat will not use: shown as such.
            self.choice.addItem(tr("{name} (not used)").format(name=choice), choice)
        self.choice.setCurrentIndex(max(0, self.choice.findData(choice or AUTOMATIC)))
        self.choice.blockSignals(False)

    def conversation_was_created(self, conversation_id: int) -> None:
        """A new chat just got its row: it takes the choices made before it existed."""
        history_routing.set_privacy(self.history, conversation_id, self.pending)
        history_routing.set_route_choice(self.history, conversation_id, self.pending_choice)
        history_reasoning.set_think(self.history, conversation_id, self.pending_think)
        self.pending, self.pending_choice, self.pending_think = Privacy.LOCAL_ONLY, None, None
        self.show_conversation(conversation_id)

    def refresh_route(self) -> None:
        """Say where the next answer would be made, and why."""
        policy = self.policy()
        choice, prompt_tokens = self.route_choice, 0
        if self.conversation_id is not None:
            try:
                if policy.prompt_tokens_over is not None:
                    # Only a size rule needs the prompt: reading a long conversation whole
                    # on the GUI thread is what the paged transcript avoids.
                    messages = self.history.messages(self.conversation_id)
                    prompt_tokens = estimate_tokens([{"content": m.content} for m in messages])
            except HistoryError:
                pass
        worker = WorkerState.from_status(self.worker_status())
        planned = route(self.privacy, choice, prompt_tokens, policy, worker, self.providers())
        if planned.target == LOCAL:
            text = tr("Next answer on this machine — {rule}")
        else:
            text = tr("Next answer by {name} — {rule}")
        self.route_label.setText(text.format(name=planned.target, rule=planned.rule))
        self.planned_remote = planned.remote
        self.route_did_change.emit()

    def _on_toggle_changed(self, _index: int) -> None:
        if self.conversation_id is None:
            self.pending = self.privacy
        else:
            history_routing.set_privacy(self.history, self.conversation_id, self.privacy)
        self._fill_choices(self.route_choice)
        self.refresh_route()

    def _on_think_changed(self, _index: int) -> None:
        value = self.think.currentData()
        if self.conversation_id is None:
            self.pending_think = value
        else:
            history_reasoning.set_think(self.history, self.conversation_id, value)

    def _on_choice_changed(self, _index: int) -> None:
        if self.conversation_id is None:
            self.pending_choice = self.route_choice
        else:
            history_routing.set_route_choice(self.history, self.conversation_id, self.route_choice)
        self.refresh_route()


def provider_names() -> list[str]:
    """The user's remote providers by name (read from providers.json; no key is touched)."""
    from app.providers import ProviderStore

    return [p.name for p in ProviderStore().list()]
