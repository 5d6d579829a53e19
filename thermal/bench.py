"""`fennec bench thermal`: the shipped profiles × scenarios as named cases, or a random fleet
(`--fleet N --seed S`, see thermal/fleet_bench.py). Either way the governor is the production
one (generic prior, nothing handed over), the reference is the fair LP oracle, and the exit
code is non-zero when a target is missed."""

from __future__ import annotations

import json
from pathlib import Path

from thermal.bench_run import plot, run_machine
from thermal.profiles import builtin, load_profile
from thermal.scenarios import load_scenario
from thermal.targets import LIMIT_C, POWER_LIMIT_W

HEADER = (
    f"{'profile':16} {'scenario':32} {'governor':10} {'max°C':>6} {'>55.5s':>6} "
    f"{'>57s':>5} {'P̄ W':>5} {'P60 W':>6} {'tok/orc':>7} {'chg/m':>6} {'TTFT95':>6}"
)


def run_thermal_bench(
    profiles: list[str],
    scenarios: list[str],
    json_out: Path | None,
    plot_dir: Path | None,
    fleet: int | None = None,
    seed: int = 1,
    minutes: float | None = None,
    only: list[int] | None = None,
) -> int:
    """Run the named cases (or a fleet); returns the process exit code (1: a target missed)."""
    if fleet:
        from thermal.fleet_bench import run_fleet

        return run_fleet(fleet, seed, minutes or 120.0, json_out, plot_dir, only)
    profile_list = [load_profile(p) for p in (profiles or builtin("profiles"))]
    scenario_list = [load_scenario(s) for s in (scenarios or builtin("scenarios"))]
    if minutes:
        from dataclasses import replace

        scenario_list = [replace(s, duration_s=round(minutes * 60)) for s in scenario_list]
    results = []
    print(HEADER)
    for profile in profile_list:
        for scenario in scenario_list:
            run = run_machine(profile, scenario)
            for name, r in run.rows.items():
                ttft = "" if r["ttft_p95_s"] is None else f"{r['ttft_p95_s']:.1f}"
                print(
                    f"{profile.name:16} {scenario.name:32} {name:10} {r['max_temp_c']:6.2f} "
                    f"{r['s_above_limit_plus_0_5']:6d} {r['s_above_limit_plus_2']:5d} "
                    f"{r['mean_power_w']:5.1f} {r['max_60s_power_w']:6.1f} "
                    f"{r['tokens_vs_oracle']:7.3f} {r['changes_per_min']:6.2f} {ttft:>6}"
                )
            misses = run.verdict.misses
            verdict = "targets met" if not misses else "MISSED: " + "; ".join(misses)
            print(f"  → fennec: {verdict}  [{run.status}]")
            results.append(
                {
                    "profile": profile.name,
                    "scenario": scenario.name,
                    "feasible": run.oracle.feasible,
                    "oracle_tokens": round(run.oracle.tokens),
                    "governors": run.rows,
                    "fennec_misses": misses,
                    "status": run.status,
                }
            )
            if plot_dir is not None:
                plot(
                    plot_dir / f"{profile.name}--{scenario.name}.png",
                    f"{profile.name} · {scenario.name}",
                    run,
                )
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(
            json.dumps(
                {"limit_c": LIMIT_C, "power_limit_w": POWER_LIMIT_W, "runs": results}, indent=2
            )
        )
        print(f"\nJSON: {json_out}")
    met = sum(not r["fennec_misses"] for r in results)
    print(f"{met}/{len(results)} profile × scenario runs meet every target")
    return 0 if met == len(results) else 1
