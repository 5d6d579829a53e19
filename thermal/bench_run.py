"""One machine × scenario of the thermal bench: the production governor (generic prior,
nothing handed over) and the baselines on the simulator, scored against the fair oracle."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from thermal.baselines import BangBang, NoGovernor, StepWise
from thermal.control import Controller
from thermal.governor import build_learning_governor
from thermal.metrics import score
from thermal.oracle import OracleResult, fair_oracle
from thermal.profiles import DeviceProfile
from thermal.scenarios import Scenario
from thermal.simulation import Trace, simulate
from thermal.targets import LIMIT_C, POWER_LIMIT_W, Verdict, check, meter_scale


def production_governor(profile: DeviceProfile, scenario: Scenario) -> Controller:
    """What `fennec serve` runs on an unknown machine: the generic prior, the sampler's period.
    The profile is used for its batch limit only (the scheduler's setting, not the plant)."""
    return build_learning_governor("cool", profile.max_batch, period_s=scenario.sensor.period_s)


@dataclass
class MachineRun:
    profile: str
    scenario: str
    rows: dict[str, dict]  # controller name → metrics
    oracle: OracleResult
    verdict: Verdict
    traces: dict[str, Trace]
    status: str  # the governor's last words


def run_machine(
    profile: DeviceProfile, scenario: Scenario, governor=production_governor
) -> MachineRun:
    """Simulate the governor and the baselines; score all against the oracle."""
    baselines: list[Controller] = [
        NoGovernor(profile.max_batch),
        BangBang(profile.max_batch, LIMIT_C, POWER_LIMIT_W),
        StepWise(profile.max_batch, LIMIT_C),
    ]
    traces = {c.name: simulate(profile, scenario, c) for c in baselines}
    demand = sum(traces["none"].tokens) if scenario.workload.kind == "chat" else None
    scale = meter_scale(scenario)
    oracle = fair_oracle(profile, scenario, LIMIT_C, POWER_LIMIT_W, demand, meter_scale=scale)
    ours = governor(profile, scenario)
    traces = {"fennec": simulate(profile, scenario, ours)} | traces
    scores = {name: score(tr, LIMIT_C, oracle.tokens) for name, tr in traces.items()}
    verdict = check(scores["fennec"], oracle.feasible, traces["fennec"], scale)
    rows = {name: m.as_dict() for name, m in scores.items()}
    for row in rows.values():  # the power limits are scored on the machine's meter
        row["metered_mean_power_w"] = round(row["mean_power_w"] * scale, 2)
        row["metered_max_60s_power_w"] = round(row["max_60s_power_w"] * scale, 2)
    last = next((s for s in reversed(traces["fennec"].statuses) if s), "")
    return MachineRun(profile.name, scenario.name, rows, oracle, verdict, traces, last)


def plot(path: Path, title: str, run: MachineRun) -> None:
    """Temperature, power and batch × duty over time: Fennec bold, the oracle's power dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 1, figsize=(11, 8), sharex=True)
    order = [n for n in run.traces if n != "fennec"] + ["fennec"]
    for name in order:
        tr = run.traces[name]
        minutes = [t / 60 for t in tr.t]
        style = {
            "linewidth": 1.6 if name == "fennec" else 0.7,
            "alpha": 1.0 if name == "fennec" else 0.45,
            "color": "black" if name == "fennec" else None,
        }
        axes[0].plot(minutes, tr.controlled_c, label=name, **style)
        axes[1].plot(minutes, _smooth(tr.power_w, round(10 / tr.dt_s)), label=name, **style)
        axes[2].plot(
            minutes, [d * b for d, b in zip(tr.duty, tr.batch, strict=True)], label=name, **style
        )
    o = run.oracle
    axes[1].step(
        [k * o.block_s / 60 for k in range(len(o.power_w))],
        o.power_w,
        where="post",
        linestyle="--",
        color="tab:blue",
        linewidth=1.0,
        label="oracle (LP)",
    )
    axes[0].axhline(LIMIT_C, color="red", linewidth=0.8)
    axes[0].set_ylabel("true controlled temp °C")
    axes[1].axhline(POWER_LIMIT_W, color="red", linewidth=0.8)
    axes[1].set_ylabel("true power W (10-s mean)")
    axes[2].set_ylabel("batch × duty")
    axes[2].set_xlabel("minutes")
    axes[1].legend(loc="upper right", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _smooth(values: list[float], n: int) -> list[float]:
    out, acc = [], 0.0
    n = max(1, n)
    for i, v in enumerate(values):
        acc += v - (values[i - n] if i >= n else 0.0)
        out.append(acc / min(i + 1, n))
    return out
