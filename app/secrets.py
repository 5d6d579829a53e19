"""API keys for remote providers, in the OS keychain behind a small protocol.

Never in the settings file, the database or a log. Tests use MemorySecrets; headless Linux
without a Secret Service gets a clear message instead of keyring's NoKeyringError.
"""

from __future__ import annotations

from typing import Protocol

from inference.errors import FennecError

SERVICE = "Fennec"


class SecretsError(FennecError):
    pass


class SecretStore(Protocol):
    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


class KeyringSecrets:
    def get(self, name: str) -> str | None:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(SERVICE, name)
        except KeyringError as e:
            raise SecretsError(f"the system keychain is not available: {e}") from None

    def set(self, name: str, value: str) -> None:
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(SERVICE, name, value)
        except KeyringError as e:
            raise SecretsError(f"could not store the key in the system keychain: {e}") from None

    def delete(self, name: str) -> None:
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            keyring.delete_password(SERVICE, name)
        except PasswordDeleteError:
            pass
        except KeyringError as e:
            raise SecretsError(f"the system keychain is not available: {e}") from None


class MemorySecrets:
    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def set(self, name: str, value: str) -> None:
        self._values[name] = value

    def delete(self, name: str) -> None:
        self._values.pop(name, None)
