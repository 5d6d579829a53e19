"""Assistant profiles as stored: names, renames, bad input, a damaged file, per conversation."""

from __future__ import annotations

import pytest

from app import history_profiles
from app.history import History, HistoryError
from app.profiles import Profile, ProfileError, ProfileStore


def test_profiles_are_saved_renamed_and_removed(fennec_home):
    store = ProfileStore()
    store.save(Profile("Triage", "/models/qwen", "/adapters/triage", "Be brief."))
    store.save(Profile("Plain", "/models/qwen"))
    assert [p.name for p in store.list()] == ["Triage", "Plain"]
    assert store.get("Triage").target == ("/models/qwen", "/adapters/triage")
    store.save(Profile("Nurse triage", "/models/qwen", "/adapters/triage", "Be brief."), "Triage")
    assert [p.name for p in store.list()] == ["Nurse triage", "Plain"]  # renamed in place
    store.remove("Plain")
    assert [p.name for p in ProfileStore().list()] == ["Nurse triage"]


@pytest.mark.parametrize(
    ("profile", "words"),
    [
        (Profile(" ", "/m"), "needs a name"),
        (Profile("x", " "), "needs a model"),
        (Profile("Taken", "/m"), "already a profile named 'Taken'"),
    ],
)
def test_bad_profiles_are_refused_with_a_reason(fennec_home, profile, words):
    store = ProfileStore()
    store.save(Profile("Taken", "/m"))
    with pytest.raises(ProfileError, match=words):
        store.save(profile)
    assert [p.name for p in store.list()] == ["Taken"]  # nothing else changed


def test_a_damaged_file_reads_as_no_profiles_and_a_save_mends_it(fennec_home):
    store = ProfileStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text("[{broken")
    assert store.list() == []
    store.save(Profile("New", "/m"))
    assert [p.name for p in store.list()] == ["New"]


def test_a_conversation_remembers_its_profile(fennec_home):
    history = History()
    cid = history.create_conversation("triage")
    assert history_profiles.profile_name(history, cid) is None
    history_profiles.set_profile_name(history, cid, "Nurse triage")
    assert history_profiles.profile_name(history, cid) == "Nurse triage"
    history_profiles.set_profile_name(history, cid, None)
    assert history_profiles.profile_name(history, cid) is None
    with pytest.raises(HistoryError):
        history_profiles.profile_name(history, cid + 100)
    history.close()
