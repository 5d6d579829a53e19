"""Device priors: the table is data, each entry documented, matched by hw.model / DMI name."""

from __future__ import annotations

import pytest

from inference.thermal_loop import build_governor
from thermal.priors import GENERIC, load_device_table, match_device
from thermal.profiles import load_profile


@pytest.mark.parametrize(
    ("model", "entry"),
    [
        ("MacBookAir10,1", "macbook-air-m1-m4"),
        ("Mac15,12", "macbook-air-m1-m4"),
        ("Mac14,5", "macbook-pro-14"),
        ("MacBookPro18,2", "macbook-pro-16"),
        ("Macmini9,1", "mac-mini"),
        ("Mac14,13", "mac-studio"),  # not Mac14,1… of another entry: whole-name matches only
        ("Raspberry Pi 5 Model B Rev 1.0", "raspberry-pi-5"),
        ("21BX0015US / ThinkPad X13s Gen 1", "thinkpad-x13s"),
        ("XPS 13 9310", "x86-ultrabook"),
    ],
)
def test_known_machines_get_their_entry(model, entry):
    assert match_device(model).name == entry


@pytest.mark.parametrize("model", [None, "", "Mac14,1", "Raspberry Pi 4 Model B", "ProLiant DL380"])
def test_unknown_machines_get_the_generic_prior(model):
    assert match_device(model) is GENERIC


def test_every_entry_is_documented_as_an_estimate_with_its_numbers():
    table = load_device_table()
    names = {e.name for e in table}
    assert {
        "macbook-air-m1-m4",
        "macbook-pro-14",
        "macbook-pro-16",
        "mac-mini",
        "mac-studio",
        "raspberry-pi-5",
        "thinkpad-x13s",
        "x86-ultrabook",
    } <= names
    for entry in table:
        assert entry.source.startswith("estimate") and entry.match
        assert 0.05 < entry.thermal.r1 < 15 and entry.thermal.c1 > 0 and entry.thermal.c2 > 0
        assert 0 < entry.power.idle_w < entry.power.full_w and entry.blind_cap_w > 0


def test_serve_uses_the_table_for_this_machine_and_never_the_simulators_truth(monkeypatch):
    monkeypatch.setattr("inference.thermal_loop.machine_model", lambda: "Mac14,2")
    assert build_governor("cool", 8, None).prior.name == "macbook-air-m1-m4"
    # --thermal-sim: the simulated profile is the plant, never the governor's knowledge.
    assert build_governor("cool", 8, load_profile("fan-mini")).prior is GENERIC
