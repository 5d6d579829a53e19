"""Who answers a conversation, for the main window: the app's model (alone or with an adapter)
or the conversation's assistant profile, and whether the worker must switch to it first.

A mixin of MainWindow: it reads the window's conversation, settings, profiles, header and
privacy bar, and emits its signals; kept apart so the window's file stays about layout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app import history_profiles

if TYPE_CHECKING:
    from app.profiles import Profile


class WhoAnswers:
    # What it reads of the window (set there).
    conversation_id: int | None
    pending_profile: str | None
    running_target: tuple[str, str] | None

    def conversation_profile(self) -> Profile | None:
        name = self.pending_profile
        if self.conversation_id is not None:
            name = history_profiles.profile_name(self.history, self.conversation_id)
        return self.profiles.get(name) if name else None

    def desired_target(self) -> tuple[str, str]:
        """The (model, adapter) this conversation should be answered by."""
        profile = self.conversation_profile()
        if profile is not None:
            return profile.target
        return self.settings.get("model"), self.settings.get("adapter")

    def refresh_header(self) -> None:
        profile = self.conversation_profile()
        model, adapter = self.settings.get("model"), self.settings.get("adapter")
        self.header.show_choice(model, adapter, profile.name if profile else None)

    def _on_header_model_chosen(self, adapter: str) -> None:
        self.settings.set("adapter", adapter)
        self.settings.save()
        self.model_target_did_change.emit()

    def _on_header_profile_chosen(self, name: str) -> None:
        if self.conversation_id is None:
            self.pending_profile = name or None
        else:
            history_profiles.set_profile_name(self.history, self.conversation_id, name or None)

    def _needs_worker_switch(self) -> bool:
        if self.running_target is None or self.privacy_bar.planned_remote:
            return False  # no app worker to switch (tests), or a provider answers anyway
        return self.desired_target() != self.running_target
