"""Settings declared once (type, default, help); the dialog is built from this schema.

Stored as JSON in the data directory. Secrets are not settings: they live in the OS
keychain (app/secrets.py) and never reach this file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.paths import settings_file


@dataclass(frozen=True)
class Setting:
    key: str
    label: str
    kind: type
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    # How the dialog shows it: words for each choice (same order), and an editor kind:
    # "multiline" text, a "model" path (folder or GGUF file) or a "file" path.
    choice_labels: tuple[str, ...] = ()
    editor: str = ""


SCHEMA: tuple[Setting, ...] = (
    Setting(
        "model", "Model", str, "", "Model folder, GGUF file or Hugging Face id", editor="model"
    ),
    Setting(
        "adapter",
        "Adapter",
        str,
        "",
        "A LoRA adapter tuned for this model (fennec tune list); empty: none",
        editor="adapter",
    ),
    Setting(
        "engine",
        "Engine",
        str,
        "auto",
        "auto picks MLX on Apple Silicon, llama.cpp elsewhere",
        choices=("auto", "mlx", "llamacpp"),
        choice_labels=("Automatic", "MLX (Apple GPU)", "llama.cpp (CPU)"),
    ),
    Setting(
        "preset",
        "Power mode",
        str,
        "cool",
        "Cool & quiet keeps the laptop under 55 °C and about 18 W",
        choices=("cool", "balanced", "performance"),
        choice_labels=("Cool & quiet (55 °C, 18 W)", "Balanced (70 °C, 30 W)", "Performance"),
    ),
    Setting(
        "temperature", "Temperature", float, 0.7, "Higher is more varied", minimum=0.0, maximum=2.0
    ),
    Setting(
        "max_tokens",
        "Longest answer (tokens)",
        int,
        1024,
        "Answers stop at this length",
        minimum=16,
        maximum=32768,
    ),
    Setting(
        "system_prompt",
        "System prompt",
        str,
        "",
        "Sent before every conversation",
        editor="multiline",
    ),
    Setting(
        "temperature_source",
        "Controlled temperature",
        str,
        "auto",
        "auto: the skin/enclosure sensor where the machine has one, else the hottest die",
        choices=("auto", "skin", "die"),
        choice_labels=("Automatic", "Skin / enclosure", "Hottest die"),
    ),
    Setting(
        "language",
        "Language",
        str,
        "auto",
        "The window's language; takes effect on restart",
        choices=("auto", "en", "zh_CN"),
        choice_labels=("System language", "English", "简体中文"),
    ),
    Setting(
        "on_close",
        "Closing the window",
        str,
        "auto",
        "Platform default: keep running in the menu bar (macOS) or the tray (Linux); "
        "Fennec quits where there is no tray",
        choices=("auto", "tray", "quit"),
        choice_labels=("Platform default", "Keep running in the tray", "Quit Fennec"),
    ),
    Setting(
        "idle_unload_minutes",
        "Free the model after (idle minutes)",
        int,
        10,
        "After this many minutes without a message the model's memory is freed; the next "
        "message loads it again. 0: keep it loaded",
        minimum=0,
        maximum=1440,
    ),
    Setting(
        "context_tokens",
        "Context (tokens)",
        int,
        0,
        "How much of a conversation the model sees. 0: the model's trained length, capped by "
        "free memory. Longer chats leave their oldest messages out",
        minimum=0,
        maximum=1_048_576,
    ),
    Setting(
        "kv_bits",
        "KV cache precision",
        str,
        "16",
        "Memory for the conversation the model holds: 8-bit takes about half of 16-bit's, "
        "4-bit about a quarter, at a small cost in quality (the status shows MB per 1K tokens)",
        choices=("16", "8", "4"),
        choice_labels=("16-bit (full)", "8-bit (about half)", "4-bit (about a quarter)"),
    ),
    Setting(
        "prompt_cache_gb",
        "Saved conversations (GB)",
        float,
        2.0,
        "Disk space for recent conversations' memory (KV cache), so continuing one after "
        "Fennec restarts needs no re-reading; least recently used go first. 0: none",
        minimum=0.0,
        maximum=1000.0,
    ),
    Setting(
        "offload_provider",
        "Automatic offload to",
        str,
        "",
        "A remote provider's name: Allowed-remote conversations may go there by the rules "
        "below (never Local-only ones); empty: never automatically",
        editor="provider",
    ),
    Setting(
        "offload_prompt_tokens",
        "Offload prompts over (tokens)",
        int,
        0,
        "Allowed-remote conversations whose prompt is longer go to the offload provider; 0: never",
        minimum=0,
        maximum=10_000_000,
    ),
    Setting(
        "offload_tok_s_floor",
        "Offload when hot, under (tok/s)",
        float,
        0.0,
        "When the governor holds generation under this speed (the laptop is hot), Allowed-remote "
        "conversations go to the offload provider; 0: never",
        minimum=0.0,
        maximum=1000.0,
    ),
    Setting(
        "history_path",
        "History database",
        str,
        "",
        "Where conversations are stored; empty: the standard place (takes effect on restart)",
        editor="file",
    ),
)
_BY_KEY = {s.key: s for s in SCHEMA}


def closes_to_tray(on_close: str, platform: str, has_tray: bool) -> bool:
    """Whether closing the window leaves Fennec running in the tray. The platforms' own
    habit: a menu-bar app on macOS stays; on Linux a tray app stays; with no tray, quit."""
    if not has_tray:
        return False
    if on_close == "auto":
        return platform == "darwin" or platform.startswith("linux")
    return on_close == "tray"


class Settings:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or settings_file()
        self._values: dict[str, Any] = {}
        try:
            loaded = json.loads(self.path.read_text()) if self.path.exists() else {}
        except (OSError, json.JSONDecodeError):
            loaded = {}  # a damaged file falls back to defaults rather than stopping the app
        for key, value in loaded.items() if isinstance(loaded, dict) else ():
            if key in _BY_KEY:
                try:
                    self._values[key] = self._coerce(_BY_KEY[key], value)
                except ValueError:
                    pass

    def get(self, key: str) -> Any:
        return self._values.get(key, _BY_KEY[key].default)

    def set(self, key: str, value: Any) -> None:
        self._values[key] = self._coerce(_BY_KEY[key], value)

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._values, indent=2, ensure_ascii=False))
        tmp.replace(self.path)  # atomic: a crash never leaves half a settings file

    @staticmethod
    def _coerce(setting: Setting, value: Any) -> Any:
        try:
            value = setting.kind(value)
        except (TypeError, ValueError):
            raise ValueError(f"{setting.label}: expected {setting.kind.__name__}") from None
        if setting.choices and value not in setting.choices:
            raise ValueError(f"{setting.label}: one of {', '.join(setting.choices)}")
        if setting.minimum is not None and value < setting.minimum:
            raise ValueError(f"{setting.label}: at least {setting.minimum}")
        if setting.maximum is not None and value > setting.maximum:
            raise ValueError(f"{setting.label}: at most {setting.maximum}")
        return value
