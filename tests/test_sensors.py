"""Sensors against fake sysfs trees and recorded macOS values."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from thermal.clock import ManualClock
from thermal.sensors.energy import EnergyCounter
from thermal.sensors.linux_sysfs import LinuxSysfs
from thermal.sensors.macos_parse import (
    decode_smc,
    ioreport_power,
    smc_system_power,
    smc_temperatures,
    thermal_state_name,
)


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content + "\n")
    return root


@pytest.fixture
def raspberry_pi5(tmp_path):
    return _write(
        tmp_path,
        {
            "sys/class/thermal/thermal_zone0/type": "cpu-thermal",
            "sys/class/thermal/thermal_zone0/temp": "61250",
            "sys/class/hwmon/hwmon0/name": "cpu_thermal",
            "sys/class/hwmon/hwmon0/temp1_input": "61250",
            "sys/class/hwmon/hwmon1/name": "rp1_adc",  # an ADC, no temperature inputs we know
            "sys/class/hwmon/hwmon1/in1_input": "1200",
        },
    )


@pytest.fixture
def snapdragon_laptop(tmp_path):
    return _write(
        tmp_path,
        {
            "sys/class/thermal/thermal_zone0/type": "cpu0-top-thermal",
            "sys/class/thermal/thermal_zone0/temp": "58300",
            "sys/class/thermal/thermal_zone1/type": "gpuss-0-thermal",
            "sys/class/thermal/thermal_zone1/temp": "52100",
            "sys/class/thermal/thermal_zone2/type": "sys-therm-skin",
            "sys/class/thermal/thermal_zone2/temp": "41900",
            "sys/class/thermal/thermal_zone3/type": "bcl-warn",
            "sys/class/thermal/thermal_zone3/temp": "-274000",  # disabled zone
            "sys/class/power_supply/BAT0/status": "Discharging",
            "sys/class/power_supply/BAT0/current_now": "-1500000",  # µA (negative on some ACPI)
            "sys/class/power_supply/BAT0/voltage_now": "11800000",  # µV
        },
    )


@pytest.fixture
def intel_laptop(tmp_path):
    return _write(
        tmp_path,
        {
            "sys/class/thermal/thermal_zone0/type": "acpitz",
            "sys/class/thermal/thermal_zone0/temp": "45000",
            "sys/class/thermal/thermal_zone1/type": "x86_pkg_temp",
            "sys/class/thermal/thermal_zone1/temp": "71000",
            "sys/class/hwmon/hwmon3/name": "coretemp",
            "sys/class/hwmon/hwmon3/temp1_input": "71000",
            "sys/class/hwmon/hwmon3/temp1_label": "Package id 0",
            "sys/class/hwmon/hwmon3/temp2_input": "69000",
            "sys/class/hwmon/hwmon3/temp2_label": "Core 0",
            "sys/class/powercap/intel-rapl:0/name": "package-0",
            "sys/class/powercap/intel-rapl:0/energy_uj": "1000000",
            "sys/class/powercap/intel-rapl:0/max_energy_range_uj": "262143328850",
            "sys/class/powercap/intel-rapl:0:0/name": "core",
            "sys/class/powercap/intel-rapl:0:0/energy_uj": "500000",
            "sys/class/power_supply/BAT0/status": "Charging",
            "sys/class/power_supply/BAT0/power_now": "25000000",
        },
    )


def test_raspberry_pi5_temperature_and_no_power(raspberry_pi5):
    snap = LinuxSysfs(raspberry_pi5, ManualClock()).read()
    sources = {r.source: r for r in snap.temperatures}
    assert sources["thermal_zone0:cpu-thermal"].value == 61.25
    assert sources["thermal_zone0:cpu-thermal"].unit == "°C"
    assert snap.controlled_temperature().role == "die"
    assert snap.power == () and snap.total_power() is None
    assert any(m.startswith("power:") for m in snap.missing)  # missing, not 0 W


def test_snapdragon_prefers_skin_and_reads_battery_power_while_discharging(snapdragon_laptop):
    snap = LinuxSysfs(snapdragon_laptop, ManualClock()).read()
    assert snap.controlled_temperature().source == "thermal_zone2:sys-therm-skin"
    assert snap.controlled_temperature(prefer="die").value == 58.3  # hottest die otherwise
    assert not any("bcl-warn" in r.source for r in snap.temperatures)
    power = snap.total_power()
    assert power.role == "battery" and power.value == pytest.approx(1.5 * 11.8)


def test_intel_rapl_energy_becomes_watts_and_sub_zones_are_not_double_counted(intel_laptop):
    clock = ManualClock(100.0)
    sensors = LinuxSysfs(intel_laptop, clock)
    first = sensors.read()
    assert first.total_power() is None  # one counter reading is not a rate yet
    (intel_laptop / "sys/class/powercap/intel-rapl:0/energy_uj").write_text("13000000\n")
    (intel_laptop / "sys/class/powercap/intel-rapl:0:0/energy_uj").write_text("9000000\n")
    clock.advance(2.0)
    snap = sensors.read()
    assert [r.source for r in snap.power] == ["powercap:intel-rapl:0 (package-0)"]
    assert snap.total_power().value == pytest.approx(6.0)  # 12 J over 2 s
    assert snap.controlled_temperature().value == 71.0
    labels = {r.source for r in snap.temperatures}
    assert "hwmon:coretemp/Package id 0" in labels
    # charging: the battery's power_now is not the machine's draw
    assert not any(r.role == "battery" for r in snap.power)


def test_rapl_counter_wraps_around():
    counter = EnergyCounter(max_range_uj=1_000_000)
    counter.update(0.0, 900_000)
    assert counter.update(1.0, 100_000) == pytest.approx(0.2)  # 200 000 µJ across the wrap


def test_counter_reset_without_range_skips_an_interval():
    counter = EnergyCounter()
    counter.update(0.0, 900)
    assert counter.update(1.0, 100) is None
    assert counter.update(2.0, 1_000_100) == pytest.approx(1.0)


def test_root_only_powercap_is_reported_missing(intel_laptop):
    energy = intel_laptop / "sys/class/powercap/intel-rapl:0/energy_uj"
    energy.unlink()
    energy.mkdir()  # unreadable as a file, as a 0400 file is for a non-root user
    snap = LinuxSysfs(intel_laptop, ManualClock()).read()
    assert any("root-only" in m for m in snap.missing)


def test_hwmon_power_and_energy_inputs(tmp_path):
    root = _write(
        tmp_path,
        {
            "sys/class/hwmon/hwmon7/name": "amdgpu",
            "sys/class/hwmon/hwmon7/power1_average": "15250000",
            "sys/class/hwmon/hwmon7/power1_label": "PPT",
            "sys/class/hwmon/hwmon2/name": "zenpower",
            "sys/class/hwmon/hwmon2/energy1_input": "1000000",
        },
    )
    clock = ManualClock()
    sensors = LinuxSysfs(root, clock)
    sensors.read()
    (root / "sys/class/hwmon/hwmon2/energy1_input").write_text("3000000")
    clock.advance(1.0)
    watts = {r.source: r.value for r in sensors.read().power}
    assert watts["hwmon:amdgpu/PPT"] == 15.25
    assert watts["hwmon:zenpower/energy1_input"] == pytest.approx(2.0)


def test_empty_tree_reports_everything_missing(tmp_path):
    snap = LinuxSysfs(tmp_path, ManualClock()).read()
    assert snap.temperatures == () and snap.power == ()
    assert len(snap.missing) == 2
    assert snap.controlled_temperature() is None


# Recorded on an M2 MacBook Air (values as the SMC returned them).
def test_smc_decoding():
    assert decode_smc("flt ", struct.pack("<f", 48.25)) == pytest.approx(48.25)
    assert decode_smc("sp78", bytes([0x2F, 0x80])) == pytest.approx(47.5)
    assert decode_smc("fpe2", bytes([0x05, 0x00])) == pytest.approx(320.0)
    assert decode_smc("ui8 ", bytes([7])) == 7.0
    assert decode_smc("ui16", bytes([0x01, 0x02])) == 258.0
    with pytest.raises(ValueError):
        decode_smc("ch8*", b"abcd")


def test_smc_temperatures_drop_unpopulated_keys():
    values = {"Tp01": 52.4, "Tp05": 0.0, "Te04": 44.1, "Tg0f": 39.8, "TB0T": 31.0, "Tf14": 255.0}
    readings = smc_temperatures(values)
    assert [r.source for r in readings] == ["smc:Te04", "smc:Tg0f", "smc:Tp01"]
    assert all(r.unit == "°C" and r.role == "die" for r in readings)
    assert smc_system_power({"PSTR": 7.81}).value == 7.81
    assert smc_system_power({}) is None


def test_ioreport_energy_deltas_to_watts():
    deltas = [
        ("ECPU0", 1200, "mJ"),
        ("ECPU Energy", 900, "mJ"),
        ("CPU Energy", 4500, "mJ"),
        ("GPU Energy", 2_000_000, "uJ"),
        ("ANE", 0, "mJ"),
        ("DRAM", 600, "mJ"),
        ("GPU SRAM", 5, "mJ"),
        ("Weird", 1, "kWh"),
    ]
    watts = {r.source: r.value for r in ioreport_power(deltas, interval_s=0.5)}
    assert watts == {
        "ioreport:CPU": 9.0,
        "ioreport:GPU": 4.0,
        "ioreport:ANE": 0.0,
        "ioreport:DRAM": 1.2,
    }


def test_thermal_state_names():
    assert [thermal_state_name(i) for i in range(4)] == ["nominal", "fair", "serious", "critical"]
    assert thermal_state_name(9) is None
