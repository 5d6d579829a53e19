"""What the tray shows for a worker status: a state name and a one-line summary (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass

STATES = (
    "unknown",
    "cool",
    "warm",
    "throttled",
    "hot",
    "paused",
    "cooling",
    "blind",
    "tuning",
)
COLORS = {
    "unknown": "#8a8f98",
    "cool": "#2e9d5b",
    "warm": "#d6a21e",
    "throttled": "#e07b24",
    "hot": "#d23c3c",
    "paused": "#5b7bd6",
    "cooling": "#3fa7c9",
    "blind": "#8a6fd1",
    "tuning": "#b0559e",
}


@dataclass(frozen=True)
class TrayState:
    state: str
    tooltip: str


def tray_state(status: dict | None) -> TrayState:
    if not status:
        return TrayState("unknown", "Fennec — no model running")
    temp = status.get("temperature_c")
    watts = status.get("power_w")
    limit = status.get("temperature_limit_c") or 55.0
    throttle = status.get("throttle") or 0.0
    pressure = status.get("pressure")
    parts = []
    parts.append(f"{temp:.1f} °C" if temp is not None else "temperature n/a")
    parts.append(f"{watts:.1f} W" if watts is not None else "power n/a")
    parts.append(f"{status.get('tokens_per_s', 0):.1f} tok/s")
    parts.append(f"throttle {throttle:.0%}")
    tooltip = "Fennec — " + " · ".join(parts)
    sources = [s for s in (status.get("temperature_source"), status.get("power_source")) if s]
    if sources:
        tooltip += "\n(" + "; ".join(sources) + ")"
    if status.get("paused"):
        return TrayState("paused", tooltip + " · paused")
    note = status.get("thermal_note")
    if status.get("thermal_state") in ("cooling", "infeasible"):
        wait = status.get("cooling_wait_s")
        if status.get("thermal_state") == "infeasible":
            text = note or "cannot hold the limit: paused"
        else:
            text = "cooling down" + (f", about {wait:.0f} s" if wait is not None else "")
        return TrayState("cooling", f"Fennec — {text}\n" + tooltip.removeprefix("Fennec — "))
    if status.get("thermal_state") == "blind":
        return TrayState("blind", tooltip + "\n" + (note or "no temperature sensor"))
    if status.get("power_trust") == "low" and note:
        tooltip += "\n" + note.split("; ")[-1]
    if pressure in ("serious", "critical") or (temp is not None and temp >= limit + 0.5):
        return TrayState("hot", tooltip)
    if throttle > 0.05:
        return TrayState("throttled", tooltip)
    if temp is None:
        return TrayState("unknown" if watts is None else "cool", tooltip)
    if temp >= limit - 5:
        return TrayState("warm", tooltip)
    return TrayState("cool", tooltip)


def with_tuning(state: TrayState, tuning_summary: str | None) -> TrayState:
    """A tuning run in progress (another process) shows as "tuning" unless the machine is hot
    or cooling down: heat outranks it, since the user may want to stop the run."""
    if not tuning_summary:
        return state
    text = f"Fennec — {tuning_summary}"
    if state.state in ("hot", "cooling"):
        return TrayState(state.state, state.tooltip + "\n" + tuning_summary)
    if state.state == "unknown":
        return TrayState("tuning", text)
    return TrayState("tuning", text + "\n" + state.tooltip.removeprefix("Fennec — "))
