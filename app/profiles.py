"""Assistant profiles: a base model, an optional LoRA adapter and a system prompt, by name.

A conversation may be answered by a profile (app/history_profiles records which); the app
then runs that model with that adapter and sends that system prompt. Kept as JSON in the
data dir, written atomically like the settings; a damaged file reads as no profiles.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from app.paths import data_dir
from inference.errors import FennecError


class ProfileError(FennecError):
    """A profile that cannot be saved or found, in words for the user."""


@dataclass(frozen=True)
class Profile:
    name: str
    model: str  # a folder, GGUF file or Hub id, as the Model setting takes
    adapter: str = ""  # a stored adapter's name or folder; "" for none
    system_prompt: str = ""

    @property
    def target(self) -> tuple[str, str]:
        """What the worker must run for this profile: (model, adapter)."""
        return self.model, self.adapter


def profiles_file() -> Path:
    return data_dir() / "profiles.json"


class ProfileStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or profiles_file()

    def list(self) -> list[Profile]:
        try:
            raw = json.loads(self.path.read_text()) if self.path.exists() else []
        except (OSError, ValueError):
            return []
        found = []
        for item in raw if isinstance(raw, list) else []:
            try:
                found.append(
                    Profile(
                        str(item["name"]),
                        str(item["model"]),
                        str(item.get("adapter") or ""),
                        str(item.get("system_prompt") or ""),
                    )
                )
            except (KeyError, TypeError):
                continue
        return found

    def get(self, name: str) -> Profile | None:
        return next((p for p in self.list() if p.name == name), None)

    def save(self, profile: Profile, replacing: str | None = None) -> None:
        """Add a profile, or replace the one named `replacing` (a rename keeps its place)."""
        name = profile.name.strip()
        if not name:
            raise ProfileError("a profile needs a name")
        if not profile.model.strip():
            raise ProfileError(f"profile {name!r} needs a model")
        profiles = self.list()
        if name != replacing and any(p.name == name for p in profiles):
            raise ProfileError(f"there is already a profile named {name!r}")
        saved = Profile(name, profile.model.strip(), profile.adapter.strip(), profile.system_prompt)
        at = next((i for i, p in enumerate(profiles) if p.name == replacing), None)
        if at is None:
            profiles.append(saved)
        else:
            profiles[at] = saved
        self._write(profiles)

    def remove(self, name: str) -> None:
        self._write([p for p in self.list() if p.name != name])

    def _write(self, profiles: list[Profile]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps([asdict(p) for p in profiles], indent=2, ensure_ascii=False))
            tmp.replace(self.path)
        except OSError as e:
            raise ProfileError(f"cannot save the profiles in {self.path}: {e.strerror}") from None
