"""The routing rules, one by one, as a table: pure function, no network."""

from __future__ import annotations

import pytest

from app.routing import (
    LOCAL,
    RULES,
    OffloadPolicy,
    Privacy,
    Route,
    WorkerState,
    estimate_tokens,
    route,
)

LOCAL_ONLY = Privacy.LOCAL_ONLY
ALLOWED = Privacy.ALLOWED_REMOTE
PROVIDERS = ("cloud", "office")
AUTO = OffloadPolicy(provider="cloud", prompt_tokens_over=2000, tok_s_floor=5.0)
COOL = WorkerState()
HOT = WorkerState(held_tok_s=2.0)
DOWN = WorkerState(up=False)

# privacy, choice, prompt tokens, policy, worker → target, fallback, words in the rule
TABLE = [
    (LOCAL_ONLY, None, 10, AUTO, COOL, LOCAL, False, "Local-only"),
    (LOCAL_ONLY, "cloud", 10, AUTO, COOL, LOCAL, False, "not sent to cloud"),
    (LOCAL_ONLY, None, 99_999, AUTO, HOT, LOCAL, False, "Local-only"),
    (LOCAL_ONLY, None, 10, AUTO, DOWN, LOCAL, False, "Local-only"),
    (ALLOWED, LOCAL, 99_999, AUTO, HOT, LOCAL, False, "chose this machine"),
    (ALLOWED, "office", 10, AUTO, COOL, "office", True, "You chose office"),
    (ALLOWED, "gone", 10, AUTO, COOL, LOCAL, False, "No provider named gone"),
    (ALLOWED, None, 99_999, OffloadPolicy(), HOT, LOCAL, False, "offload is off"),
    (ALLOWED, None, 99_999, OffloadPolicy("gone", 1, 100), HOT, LOCAL, False, "offload is off"),
    (ALLOWED, None, 2001, AUTO, COOL, "cloud", True, "over 2000"),
    (ALLOWED, None, 2000, AUTO, COOL, LOCAL, False, "this machine"),
    (ALLOWED, None, 10, AUTO, HOT, "cloud", True, "under the 5 tok/s floor"),
    (ALLOWED, None, 10, AUTO, WorkerState(held_tok_s=5.0), LOCAL, False, "this machine"),
    (ALLOWED, None, 10, AUTO, DOWN, "cloud", False, "not running"),
    (ALLOWED, None, 99_999, OffloadPolicy("cloud"), HOT, LOCAL, False, "this machine"),
]


@pytest.mark.parametrize("privacy,choice,tokens,policy,worker,target,fallback,words", TABLE)
def test_routing_table(privacy, choice, tokens, policy, worker, target, fallback, words):
    chosen = route(privacy, choice, tokens, policy, worker, PROVIDERS)
    assert chosen.target == target
    assert chosen.fallback_to_local is fallback
    assert words in chosen.rule
    assert chosen.remote is (target != LOCAL)


def test_local_only_never_routes_remote_whatever_the_inputs():
    policies = [OffloadPolicy(), AUTO, OffloadPolicy("cloud", 0, 1e9)]
    workers = [COOL, HOT, DOWN, WorkerState(held_tok_s=0.0)]
    for choice in (None, LOCAL, "cloud", "office", "gone"):
        for policy in policies:
            for worker in workers:
                for tokens in (0, 1, 10**6):
                    chosen = route(LOCAL_ONLY, choice, tokens, policy, worker, PROVIDERS)
                    assert chosen == Route(LOCAL, chosen.rule)


def test_worker_state_from_status():
    assert WorkerState.from_status(None) == WorkerState(up=False)
    idle = {"active_requests": 0, "tokens_per_s": 0.0, "throttle": 0.0, "pacing_s": 0.0}
    assert WorkerState.from_status(idle).held_tok_s is None  # idle is not slow
    busy_cool = idle | {"active_requests": 2, "tokens_per_s": 3.0}
    assert WorkerState.from_status(busy_cool).held_tok_s is None  # slow but not held back
    hot = busy_cool | {"throttle": 0.4}
    assert WorkerState.from_status(hot).held_tok_s == 3.0
    paced = busy_cool | {"pacing_s": 0.2}
    assert WorkerState.from_status(paced).held_tok_s == 3.0
    assert WorkerState.from_status(idle | {"paused": True}).held_tok_s == 0.0


def test_estimate_tokens_grows_with_the_prompt():
    small = estimate_tokens([{"role": "user", "content": "hi"}])
    big = estimate_tokens([{"role": "user", "content": "x" * 8000}, {"role": "system"}])
    assert small == 1 and big == 2001


def test_rules_are_written_for_people():
    assert len(RULES) == 5 and all(rule.endswith(".") for rule in RULES)
