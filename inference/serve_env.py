"""`fennec serve` configured from the environment, as a container is (flags still win).

| variable | flag / meaning |
|---|---|
| FENNEC_MODEL | --model |
| FENNEC_ENGINE | --engine |
| FENNEC_HOST, FENNEC_PORT | --host, --port |
| FENNEC_MAX_BATCH | --max-batch |
| FENNEC_PRESET | --preset |
| FENNEC_NO_GOVERNOR | --no-governor (1/true/yes) |
| FENNEC_THERMAL_SIM | --thermal-sim |
| FENNEC_TOKEN_FILE | --token-file |
| FENNEC_IDLE_UNLOAD_MINUTES | --idle-unload-minutes (0: never) |
| FENNEC_CONTEXT | --context (tokens; 0: automatic) |
| FENNEC_KV_BITS | --kv-bits (16, 8 or 4) |
| FENNEC_PROMPT_CACHE_GB | --prompt-cache-gb (0: no KV files) |
| FENNEC_TLS_CERT, FENNEC_TLS_KEY | --tls-cert, --tls-key (office mode) |
| FENNEC_API_KEYS | --api-keys FILE (office mode's per-user keys) |
| FENNEC_TOKEN | the bearer token itself (a Kubernetes Secret); never printed |
| FENNEC_ALLOWED_HOSTS | extra Host names to answer, comma-separated (a pod IP, a Service name) |
| FENNEC_DRAIN_GRACE_S | seconds running streams get after SIGTERM (default 30; 0 with --exit-with-parent) |
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from inference.drain import DEFAULT_GRACE_S

_TRUE = {"1", "true", "yes", "on"}

# variable → (argparse dest, converter)
FLAG_VARIABLES = {
    "FENNEC_MODEL": ("model", str),
    "FENNEC_ENGINE": ("engine", str),
    "FENNEC_HOST": ("host", str),
    "FENNEC_PORT": ("port", int),
    "FENNEC_MAX_BATCH": ("max_batch", int),
    "FENNEC_PRESET": ("preset", str),
    "FENNEC_NO_GOVERNOR": ("no_governor", lambda v: v.strip().lower() in _TRUE),
    "FENNEC_THERMAL_SIM": ("thermal_sim", str),
    "FENNEC_TOKEN_FILE": ("token_file", Path),
    "FENNEC_IDLE_UNLOAD_MINUTES": ("idle_unload_minutes", float),
    "FENNEC_CONTEXT": ("context", int),
    "FENNEC_KV_BITS": ("kv_bits", int),
    "FENNEC_PROMPT_CACHE_GB": ("prompt_cache_gb", float),
    "FENNEC_TLS_CERT": ("tls_cert", Path),
    "FENNEC_TLS_KEY": ("tls_key", Path),
    "FENNEC_API_KEYS": ("api_keys", Path),
}


def apply_env_defaults(
    parser: argparse.ArgumentParser, environ: Mapping[str, str] | None = None
) -> None:
    """Make FENNEC_* variables the serve parser's defaults; FENNEC_MODEL makes --model optional."""
    environ = os.environ if environ is None else environ
    defaults = {}
    for variable, (dest, convert) in FLAG_VARIABLES.items():
        if environ.get(variable, "") == "":
            continue
        try:
            defaults[dest] = convert(environ[variable])
        except ValueError:
            parser.error(f"{variable}={environ[variable]!r} is not a valid value")
    parser.set_defaults(**defaults)
    if "model" in defaults:
        for action in parser._actions:  # argparse has no public way to relax `required`
            if action.dest == "model":
                action.required = False


@dataclass(frozen=True)
class ClusterSettings:
    """What only the environment sets: a deployment concern, not a user's flag."""

    allowed_hosts: frozenset[str] = frozenset()
    drain_grace_s: float = DEFAULT_GRACE_S
    token: str | None = field(default=None, repr=False)


def cluster_settings(
    environ: Mapping[str, str] | None = None, default_grace_s: float | None = None
) -> ClusterSettings:
    """The environment's cluster settings; `default_grace_s` when FENNEC_DRAIN_GRACE_S is unset
    (None: DEFAULT_GRACE_S)."""
    environ = os.environ if environ is None else environ
    hosts = frozenset(
        h.strip() for h in environ.get("FENNEC_ALLOWED_HOSTS", "").split(",") if h.strip()
    )
    raw_grace = environ.get("FENNEC_DRAIN_GRACE_S", "")
    try:
        fallback = DEFAULT_GRACE_S if default_grace_s is None else default_grace_s
        grace = float(raw_grace) if raw_grace else fallback
    except ValueError:
        raise ValueError(f"FENNEC_DRAIN_GRACE_S={raw_grace!r} is not a number") from None
    if grace < 0:
        raise ValueError("FENNEC_DRAIN_GRACE_S must be 0 or more")
    return ClusterSettings(hosts, grace, environ.get("FENNEC_TOKEN") or None)
