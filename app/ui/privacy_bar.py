"""The privacy toggle above the chat: Local-only or Allowed-remote, per conversation, and
where its next answer would be made (app.routing decides; nothing is sent to find out)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from app import history_routing
from app.history import History, HistoryError
from app.routing import LOCAL, OffloadPolicy, Privacy, WorkerState, estimate_tokens, route

CHOICES = (
    (Privacy.LOCAL_ONLY, "Local-only", "This conversation never leaves this computer"),
    (
        Privacy.ALLOWED_REMOTE,
        "Allowed-remote",
        "This conversation may be answered by one of your remote providers",
    ),
)


class PrivacyBar(QWidget):
    def __init__(
        self,
        history: History,
        providers: Callable[[], list[str]],
        worker_status: Callable[[], dict | None],
    ) -> None:
        super().__init__()
        self.history = history
        self.providers = providers
        self.worker_status = worker_status
        self.conversation_id: int | None = None
        self.pending = Privacy.LOCAL_ONLY  # a new chat's choice, kept until it is created
        self.toggle = QComboBox()
        self.toggle.setAccessibleName("Privacy")
        for flag, text, tip in CHOICES:
            self.toggle.addItem(text, flag.value)
            self.toggle.setItemData(self.toggle.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.toggle.currentIndexChanged.connect(self._on_toggle_changed)
        self.route_label = QLabel("")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.route_label, 1)

    @property
    def privacy(self) -> Privacy:
        return Privacy(self.toggle.currentData())

    def show_conversation(self, conversation_id: int | None) -> None:
        self.conversation_id = conversation_id
        flag = self.pending
        if conversation_id is not None:
            try:
                flag = history_routing.privacy(self.history, conversation_id)
            except HistoryError:
                flag = Privacy.LOCAL_ONLY
        self.toggle.blockSignals(True)
        self.toggle.setCurrentIndex(self.toggle.findData(flag.value))
        self.toggle.blockSignals(False)
        self.refresh_route()

    def conversation_was_created(self, conversation_id: int) -> None:
        """A new chat just got its row: it takes the choice made before it existed."""
        history_routing.set_privacy(self.history, conversation_id, self.pending)
        self.pending = Privacy.LOCAL_ONLY
        self.show_conversation(conversation_id)

    def refresh_route(self) -> None:
        """Say where the next answer would be made, and why."""
        policy = OffloadPolicy()  # the window has no offload settings yet: offload is off
        choice, prompt_tokens = None, 0
        if self.conversation_id is not None:
            try:
                choice = history_routing.route_choice(self.history, self.conversation_id)
                if policy.prompt_tokens_over is not None:
                    # Only a size rule needs the prompt: reading a long conversation whole
                    # on the GUI thread is what the paged transcript avoids.
                    messages = self.history.messages(self.conversation_id)
                    prompt_tokens = estimate_tokens([{"content": m.content} for m in messages])
            except HistoryError:
                pass
        worker = WorkerState.from_status(self.worker_status())
        planned = route(self.privacy, choice, prompt_tokens, policy, worker, self.providers())
        where = "on this machine" if planned.target == LOCAL else f"by {planned.target}"
        self.route_label.setText(f"Next answer {where} — {planned.rule}")

    def _on_toggle_changed(self, _index: int) -> None:
        if self.conversation_id is None:
            self.pending = self.privacy
        else:
            history_routing.set_privacy(self.history, self.conversation_id, self.privacy)
        self.refresh_route()


def provider_names() -> list[str]:
    """The user's remote providers by name (read from providers.json; no key is touched)."""
    from app.providers import ProviderStore

    return [p.name for p in ProviderStore().list()]
