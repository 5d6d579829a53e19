import json

import pytest

from app.secrets import KeyringSecrets, MemorySecrets, SecretsError
from app.settings import SCHEMA, Settings


def test_defaults_save_and_reload(fennec_home):
    fennec_home.mkdir(parents=True)
    s = Settings()
    assert s.get("preset") == "cool"
    s.set("temperature", "0.2")
    s.set("preset", "balanced")
    s.save()
    again = Settings()
    assert again.get("temperature") == 0.2 and again.get("preset") == "balanced"


def test_invalid_values_are_refused_with_the_settings_label(fennec_home):
    s = Settings(fennec_home / "s.json")
    with pytest.raises(ValueError, match="Power mode"):
        s.set("preset", "turbo")
    with pytest.raises(ValueError, match="at most"):
        s.set("temperature", 5)


def test_damaged_file_falls_back_to_defaults(fennec_home):
    fennec_home.mkdir(parents=True)
    (fennec_home / "settings.json").write_text("{broken")
    assert Settings().get("engine") == "auto"
    (fennec_home / "settings.json").write_text(json.dumps({"preset": "nope", "max_tokens": 64}))
    s = Settings()
    assert s.get("preset") == "cool" and s.get("max_tokens") == 64


def test_schema_has_no_secrets():
    # A key, token, password or secret is a secret; a count of tokens is not.
    secret_words = {"key", "apikey", "token", "password", "secret"}
    assert not [s.key for s in SCHEMA if secret_words & set(s.key.split("_"))]


def test_memory_secrets():
    m = MemorySecrets()
    m.set("openai", "sk-test")
    assert m.get("openai") == "sk-test"
    m.delete("openai")
    assert m.get("openai") is None


def test_keyring_failure_is_a_clear_error(monkeypatch):
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    monkeypatch.setattr(keyring, "get_keyring", lambda: FailKeyring())
    keyring.set_keyring(FailKeyring())
    with pytest.raises(SecretsError, match="keychain"):
        KeyringSecrets().set("openai", "sk-test")
