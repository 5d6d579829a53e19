"""The fair oracle: an upper bound on tokens that knows the true plant and the whole workload.

A linear program over the run in blocks of `block_s` seconds (HiGHS through scipy):

    maximise   Σ tokens_k · block_s
    subject to the RC model, exactly discretised per block:  x_{k+1} = A·x_k + B·P_k + E·Ta_k
               controlled temperature_k ≤ limit at every block end
               P_idle ≤ P_k ≤ the most the engine can draw
               mean power ≤ power limit; every 60-s window (6 blocks) ≤ power limit + 1 W
               tokens_k ≤ s_j·P_k + c_j for every segment j of the upper concave hull of
               (power, tokens/s) over the batch sizes the workload allows (mixing two settings
               in time interpolates between them, so the hull is what the engine can reach)
               chat: Σ tokens ≤ what serving every user at full speed yields (the demand)

It is an upper bound because every simplification relaxes: temperature is checked at block
ends only, windows are block-aligned, the fan's heat outflow is replaced by its chord (its
conductance at the limit at all temperatures: cooler than the true convex outflow), prefill
power is free. A governor may come close to it but not above it, except by the chord's margin.
Where the limit cannot be held even at idle (a room hotter than the limit allows, within the run
or at idle equilibrium), the run is marked infeasible (and the temperature bound is relaxed to
the idle trajectory where that breaks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.linalg import expm
from scipy.optimize import linprog

from thermal.profiles import DeviceProfile
from thermal.scenarios import Scenario

BLOCK_S = 10.0


@dataclass(frozen=True)
class OracleResult:
    tokens: float
    feasible: bool  # False: even idle power breaks the limit somewhere in the run
    mean_power_w: float
    power_w: list[float]  # per block, for plots
    block_s: float = BLOCK_S


def token_hull(
    profile: DeviceProfile, max_batch: int, prefill_s_per_token: float = 0.0
) -> list[tuple[float, float]]:
    """(slope, intercept) of each segment of the upper concave hull of tokens/s vs power.

    `prefill_s_per_token`: in a chat every answer needs its prompt read first, at active
    power, so each generated token also costs that much engine time."""
    pw = profile.power
    points = [(pw.p_idle, 0.0)]
    for b in range(1, max_batch + 1):
        per_token = pw.step_time(b) / b + prefill_s_per_token
        points.append((pw.active_power(b), 1.0 / per_token))
    hull: list[tuple[float, float]] = []
    for p in sorted(points):
        while len(hull) >= 2 and _cross(hull[-2], hull[-1], p) >= 0:
            hull.pop()
        hull.append(p)
    top = max(tps for _, tps in hull)
    segments = [(0.0, top)]  # never more than the best setting: the hull's plateau
    for (p0, y0), (p1, y1) in zip(hull, hull[1:], strict=False):
        if p1 > p0 and y1 > y0:
            slope = (y1 - y0) / (p1 - p0)
            segments.append((slope, y0 - slope * p0))
    return segments


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _discretise(profile: DeviceProfile, r2: float, block_s: float):
    """Exact zero-order-hold step of the linear two-node model over one block."""
    th = profile.thermal
    a = np.array(
        [
            [-1 / (th.r1 * th.c1), 1 / (th.r1 * th.c1)],
            [1 / (th.r1 * th.c2), -1 / (th.r1 * th.c2) - 1 / (r2 * th.c2)],
        ]
    )
    b = np.array([[1 / th.c1, 0.0], [0.0, 1 / (r2 * th.c2)]])  # inputs: power, ambient
    m = np.zeros((4, 4))
    m[:2, :2], m[:2, 2:] = a * block_s, b * block_s
    big = expm(m)
    return big[:2, :2], big[:2, 2], big[:2, 3]


def fair_oracle(
    profile: DeviceProfile,
    scenario: Scenario,
    limit_c: float,
    power_limit_w: float | None,
    demand_tokens: float | None = None,
    block_s: float = BLOCK_S,
    meter_scale: float = 1.0,
) -> OracleResult:
    """Solve the LP; `demand_tokens` caps a chat run at what its users can ask for.

    `meter_scale`: the power limits hold on a meter that reads this many times the true power
    (the machine's own power sensor, which may read off; see thermal/targets.py).

    With a fan, R2 depends on the case temperature: the LP is solved with the fan's
    conductance at the limit (a relaxation), then re-solved with R2 taken along its own
    optimal trajectory until that settles: the best the true plant allows near it."""
    n = int(scenario.duration_s // block_s)
    th = profile.thermal
    r2_path = np.full(n, th.r2_at(limit_c))
    if power_limit_w is not None:
        power_limit_w = power_limit_w / meter_scale
    window_w = None if power_limit_w is None else power_limit_w + 1.0 / meter_scale
    limits = (power_limit_w, window_w)
    result = _solve(profile, scenario, limit_c, limits, demand_tokens, block_s, r2_path)
    if th.r2_fan is not None:
        for _ in range(3):
            r2_path = np.array([th.r2_at(t2) for t2 in result[2]])
            result = _solve(profile, scenario, limit_c, limits, demand_tokens, block_s, r2_path)
    tokens, power, _, feasible = result
    feasible = feasible and idle_equilibrium_c(profile, scenario) <= limit_c
    return OracleResult(
        tokens=tokens,
        feasible=feasible,
        mean_power_w=float(power.mean()),
        power_w=[round(float(p), 3) for p in power],
        block_s=block_s,
    )


def idle_equilibrium_c(profile: DeviceProfile, scenario: Scenario) -> float:
    """Where idle power alone takes the controlled node, given time, in the run's warmest room.

    Above the limit, the limit cannot be held even at zero duty: a run that stays under it for
    two hours does so only because a slow case has not warmed yet (seed 2 #189: 59 °C, a
    100-minute case) or the room cools later (seed 3 #154: 59 °C until the room drops 4.7 °C at
    48 minutes), which a governor that knows neither the run's length nor the future room
    cannot plan on."""
    th, idle = profile.thermal, profile.power.p_idle
    minutes = range(0, int(scenario.duration_s) + 1, 60)
    room = max(scenario.ambient_at(profile.ambient_c, t) for t in minutes)
    case = room + idle * th.r2
    for _ in range(50):  # the fan's R2 falls as the case warms: a monotone fixed point
        case = room + idle * th.r2_at(case)
    return case + idle * th.r1 if profile.controlled == "die" else case


def _solve(profile, scenario, limit_c, power_limits, demand_tokens, block_s, r2_path):
    power_limit_w, window_limit_w = power_limits  # whole run, every 60-s window (true watts)
    pw = profile.power
    w = scenario.workload
    chat = w.kind == "chat"
    top = min(profile.max_batch, w.users if chat else w.streams)
    batches = list(range(1, top + 1)) if chat else [top]
    prefill = w.prompt_tokens / (w.answer_tokens * pw.prefill_tps) if chat else 0.0
    rate = [1.0 / (pw.step_time(b) / b + prefill) for b in batches]  # tokens/s at batch b
    extra = [pw.active_power(b) - pw.p_idle for b in batches]
    nb = len(batches)
    n = len(r2_path)
    node = 0 if profile.controlled == "die" else 1
    ambient = [scenario.ambient_at(profile.ambient_c, (k + 0.5) * block_s) for k in range(n)]
    start = scenario.ambient_at(profile.ambient_c, 0.0)
    # Variables: P (n), F (n × nb: share of block k decoding at batch b), T1 (n), T2 (n).
    ip, i_f, i1, i2 = 0, n, n + n * nb, 2 * n + n * nb
    size = 3 * n + n * nb
    eq_rows, eq_cols, eq_vals, eq_rhs = [], [], [], []
    cache: dict[float, tuple] = {}
    idle_path, x_idle = [], np.array([start, start])
    for k in range(n):
        key = round(float(r2_path[k]), 4)
        if key not in cache:
            cache[key] = _discretise(profile, key, block_s)
        ad, bd, ed = cache[key]
        x_idle = ad @ x_idle + bd * pw.p_idle + ed * ambient[k]
        idle_path.append(x_idle[node])
        for row, var_now in enumerate((i1, i2)):
            r = 3 * k + row
            eq_rows += [r, r]
            eq_cols += [var_now + k, ip + k]
            eq_vals += [1.0, -bd[row]]
            rhs = ed[row] * ambient[k]
            if k == 0:
                rhs += ad[row, 0] * start + ad[row, 1] * start
            else:
                eq_rows += [r, r]
                eq_cols += [i1 + k - 1, i2 + k - 1]
                eq_vals += [-ad[row, 0], -ad[row, 1]]
            eq_rhs.append(rhs)
        # Power of the block: idle plus what each batch setting adds for its share.
        r = 3 * k + 2
        eq_rows.append(r)
        eq_cols.append(ip + k)
        eq_vals.append(1.0)
        for j in range(nb):
            eq_rows.append(r)
            eq_cols.append(i_f + k * nb + j)
            eq_vals.append(-extra[j])
        eq_rhs.append(pw.p_idle)
    a_eq = sparse.csr_matrix((eq_vals, (eq_rows, eq_cols)), shape=(3 * n, size))
    idle_path = np.array(idle_path)
    feasible = bool((idle_path <= limit_c + 1e-6).all())
    ceiling = np.maximum(limit_c, idle_path + 1e-3)
    blocks, rhs = [], []
    share = sparse.hstack(
        [
            sparse.csr_matrix((n, n)),
            sparse.kron(sparse.identity(n), np.ones((1, nb))),
            sparse.csr_matrix((n, 2 * n)),
        ]
    )
    blocks.append(share)  # at most the whole block
    rhs.append(np.ones(n))
    tokens = np.zeros(size)
    tokens[i_f : i_f + n * nb] = np.tile(rate, n) * block_s
    if power_limit_w is not None:
        mean = np.zeros(size)
        mean[ip : ip + n] = 1.0 / n
        blocks.append(sparse.csr_matrix(mean))
        rhs.append(np.array([power_limit_w]))
        span = max(1, round(60.0 / block_s))
        if n >= span:
            window = sparse.diags([1.0 / span] * span, list(range(span)), shape=(n - span + 1, n))
            pad = sparse.csr_matrix((n - span + 1, size - n))
            blocks.append(sparse.hstack([window, pad]))
            rhs.append(np.full(n - span + 1, window_limit_w))
    if demand_tokens is not None:
        blocks.append(sparse.csr_matrix(tokens))
        rhs.append(np.array([demand_tokens]))
    if chat:
        # Little's law: a user is thinking, or in the batch, or waiting; the run has
        # users × duration of user-time. Each answer is followed by a think (its mean).
        occupancy = np.zeros(size)
        per = [b + w.think_s / w.answer_tokens * r for b, r in zip(batches, rate, strict=True)]
        occupancy[i_f : i_f + n * nb] = np.tile(per, n) * block_s
        blocks.append(sparse.csr_matrix(occupancy))
        rhs.append(np.array([w.users * n * block_s]))
    p_max = pw.p_idle + max(extra)
    temp_bounds = [(None, None)] * (2 * n)
    for k in range(n):
        temp_bounds[k if node == 0 else n + k] = (None, float(ceiling[k]))
    bounds = [(pw.p_idle, p_max)] * n + [(0.0, 1.0)] * (n * nb) + temp_bounds
    scale = float(tokens.max()) or 1.0  # tokens per block: keep the objective near 1
    problem = dict(
        A_ub=sparse.vstack(blocks).tocsc(),
        b_ub=np.concatenate(rhs),
        A_eq=a_eq.tocsc(),
        b_eq=np.array(eq_rhs),
        bounds=bounds,
    )
    # The problem is feasible by construction (idle power all along), so a failure is
    # numerical: HiGHS's presolve is the usual culprit (seen on a 1.5-s die time constant);
    # retry without it, then with the other algorithms.
    attempts = [("highs-ds", {}), ("highs-ds", {"presolve": False}), ("highs-ipm", {})]
    for method, options in attempts + [("highs-ipm", {"presolve": False})]:
        result = linprog(-tokens / scale, method=method, options=options, **problem)
        if result.status == 0:
            break
    else:
        raise RuntimeError(f"oracle LP failed: {result.message}")
    result.fun *= scale
    return float(-result.fun), result.x[ip : ip + n], result.x[i2 : i2 + n], feasible
