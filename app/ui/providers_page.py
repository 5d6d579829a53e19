"""The Providers page: remote OpenAI-compatible endpoints, opened from the settings dialog.

Adding one asks its /v1/models off the GUI thread; the key field is a password field whose
text goes to the keychain (ProviderStore) and is cleared at once, never to settings or logs.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from app.providers import (
    Provider,
    ProviderError,
    ProviderStore,
    check_name,
    fetch_models,
    normalize_base_url,
)
from app.secrets import SecretsError
from app.ui.i18n import tr
from app.ui.tasks import run_in_background


class ProvidersDialog(QDialog):
    provider_did_change = Signal()  # added or removed: routing choices may have changed

    def __init__(self, store: ProviderStore | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Providers — Fennec"))
        self.store = store or ProviderStore()
        self.list = QListWidget()
        self.list.setMinimumWidth(520)
        self.remove_button = QPushButton(tr("Remove"))
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.name = QLineEdit()
        self.name.setPlaceholderText(tr("e.g. openrouter, office-gpu"))
        self.url = QLineEdit()
        self.url.setPlaceholderText(tr("https://api.example.com/v1 or http://gpu-box:8000"))
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(tr("kept in the system keychain; empty if none is needed"))
        self.add_button = QPushButton(tr("Fetch models and add"))
        self.add_button.clicked.connect(self._on_add_clicked)
        self.message = QLabel("")
        self.message.setWordWrap(True)

        form = QFormLayout()
        form.addRow(tr("Name"), self.name)
        form.addRow(tr("Base URL"), self.url)
        form.addRow(tr("API key"), self.key)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        row.addWidget(self.remove_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        for provider in self.store.list():
            try:
                key = "key in keychain" if self.store.api_key(provider.name) else "no key"
            except SecretsError:
                key = "keychain unavailable"
            models = ", ".join(provider.models[:4]) or "no models listed"
            more = f" +{len(provider.models) - 4}" if len(provider.models) > 4 else ""
            item = QListWidgetItem(
                f"{provider.name} — {provider.base_url} — {key} — {models}{more}"
            )
            item.setData(Qt.ItemDataRole.UserRole, provider.name)
            self.list.addItem(item)
        self.remove_button.setEnabled(self.list.count() > 0)

    def _on_add_clicked(self) -> None:
        try:
            name = check_name(self.name.text().strip())
            base_url = normalize_base_url(self.url.text())
        except ProviderError as e:
            self.message.setText(str(e))
            return
        key = self.key.text().strip() or None
        self.key.clear()  # the only copy left is the one on its way to the keychain
        self.add_button.setEnabled(False)
        self.message.setText(f"Asking {base_url} for its models…")

        def work() -> Provider:
            models = fetch_models(base_url, key)
            provider = Provider(name, base_url, tuple(models))
            self.store.add(provider, key)
            return provider

        run_in_background(work, self._on_add_done)

    def _on_add_done(self, provider: Provider | None, error: BaseException | None) -> None:
        self.add_button.setEnabled(True)
        if error is not None:
            known = isinstance(error, ProviderError | SecretsError)
            self.message.setText(str(error) if known else f"Could not add: {error!r}")
            return
        assert provider is not None
        warning = (
            " Plain HTTP off this machine: the key travels unencrypted."
            if provider.plain_http_remote
            else ""
        )
        self.message.setText(f"Added {provider.name}: {len(provider.models)} model(s).{warning}")
        self.name.clear()
        self.url.clear()
        self.refresh()
        self.provider_did_change.emit()

    def _on_remove_clicked(self) -> None:
        item = self.list.currentItem()
        if item is None:
            self.message.setText(tr("Select a provider to remove."))
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        try:
            self.store.remove(name)
        except (ProviderError, SecretsError) as e:
            self.message.setText(str(e))
            return
        self.message.setText(f"Removed {name} and its key.")
        self.refresh()
        self.provider_did_change.emit()
