"""Remote providers: any OpenAI-compatible endpoint the user adds (a cloud API, a vLLM or
SGLang cluster, Ollama, LM Studio, another Fennec).

What is stored where: name, base URL and the model list go to `providers.json` in the data
directory; the API key goes to the OS keychain (app/secrets.py) under `provider:<name>` and
nowhere else. `Provider` has no key field, so printing or saving one cannot leak it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from app.paths import data_dir
from app.secrets import KeyringSecrets, SecretStore
from inference.client import ChatClient, ClientError
from inference.errors import FennecError

LOCAL = "local"  # the name routing uses for this machine's own worker; no provider may take it
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


class ProviderError(FennecError):
    """A provider could not be added, found or reached."""


@dataclass(frozen=True)
class Provider:
    name: str
    base_url: str  # up to and including /v1: ChatClient appends /models, /chat/completions
    models: tuple[str, ...] = field(default=())
    default_model: str | None = None

    @property
    def model(self) -> str:
        """The model asked for when the user names none."""
        if self.default_model:
            return self.default_model
        return self.models[0] if self.models else "default"

    @property
    def plain_http_remote(self) -> bool:
        """A key sent here crosses the network unencrypted: worth a warning."""
        parts = urlsplit(self.base_url)
        return parts.scheme == "http" and (parts.hostname or "") not in LOOPBACK_NAMES


def secret_name(provider: str) -> str:
    return f"provider:{provider}"


def providers_file() -> Path:
    return data_dir() / "providers.json"


def normalize_base_url(url: str) -> str:
    """`host:8080` or `http://host:8080` → `http://host:8080/v1`; a path given is kept."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProviderError(f"not an http(s) URL: {parts.scheme}://{parts.hostname or ''}")
    if parts.username or parts.password or parts.query or parts.fragment:
        # A credential in the URL would land in providers.json and in error messages.
        raise ProviderError(
            "give the base URL without a user, password or query; the key "
            "goes in the key field and to the keychain"
        )
    return url if parts.path else url + "/v1"


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ProviderError(
            f"provider name {name!r}: letters, digits, '.', '_' or '-', at most 40 characters"
        )
    if name.lower() == LOCAL:
        raise ProviderError(f"'{LOCAL}' is this machine's own model; pick another name")
    return name


def fetch_models(base_url: str, api_key: str | None, timeout: float = 15.0) -> list[str]:
    """The provider's model ids from its /v1/models."""
    client = ChatClient(base_url, api_key, timeout=timeout)
    try:
        return client.models()
    except (ClientError, KeyError, TypeError, ValueError) as e:
        raise ProviderError(f"could not list the models of {base_url}: {e}") from None
    finally:
        client.close()


class ProviderStore:
    """The user's providers: the non-secret part in a JSON file, keys in the keychain."""

    def __init__(self, path: Path | None = None, secrets: SecretStore | None = None) -> None:
        self.path = path or providers_file()
        self.secrets = secrets if secrets is not None else KeyringSecrets()

    def list(self) -> list[Provider]:
        try:
            raw = json.loads(self.path.read_text()) if self.path.exists() else []
        except (OSError, json.JSONDecodeError):
            return []  # a damaged file is an empty list, not a crash; add rewrites it
        found = []
        for item in raw if isinstance(raw, list) else []:
            try:
                found.append(
                    Provider(
                        str(item["name"]),
                        str(item["base_url"]),
                        tuple(str(m) for m in item.get("models", ())),
                        item.get("default_model"),
                    )
                )
            except (KeyError, TypeError):
                continue
        return found

    def get(self, name: str) -> Provider:
        for provider in self.list():
            if provider.name == name:
                return provider
        known = ", ".join(p.name for p in self.list()) or "none yet"
        raise ProviderError(f"no provider named {name!r} (known: {known})")

    def add(self, provider: Provider, api_key: str | None) -> None:
        """Add or replace a provider; the key goes to the keychain first, so a keychain that
        refuses it leaves no half-added provider behind."""
        check_name(provider.name)
        if api_key:
            self.secrets.set(secret_name(provider.name), api_key)
        else:
            self.secrets.delete(secret_name(provider.name))
        others = [p for p in self.list() if p.name != provider.name]
        self._save([*others, provider])

    def remove(self, name: str) -> None:
        self.get(name)
        self.secrets.delete(secret_name(name))
        self._save([p for p in self.list() if p.name != name])

    def api_key(self, name: str) -> str | None:
        return self.secrets.get(secret_name(name))

    def client(self, name: str, timeout: float = 600.0) -> ChatClient:
        provider = self.get(name)
        return ChatClient(provider.base_url, self.api_key(name), timeout=timeout)

    def _save(self, providers: list[Provider]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        body = [asdict(p) | {"models": list(p.models)} for p in providers]
        tmp.write_text(json.dumps(body, indent=2, ensure_ascii=False))
        tmp.replace(self.path)  # atomic, like the settings file
