"""Where Fennec keeps user data: the platform's user data directory, or $FENNEC_HOME."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """Created on first use; FENNEC_HOME moves everything (every test sets it)."""
    override = os.environ.get("FENNEC_HOME")
    if override:
        path = Path(override).expanduser()
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("Fennec", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def history_db() -> Path:
    return data_dir() / "history.db"


def settings_file() -> Path:
    return data_dir() / "settings.json"
