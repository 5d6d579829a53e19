"""`fennec bench memory`'s flags, apart from the bench so the command line loads light."""

from __future__ import annotations

import argparse
from pathlib import Path

ENGINES = ("mlx", "llamacpp")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engines", default=",".join(ENGINES), help="comma-separated")
    p.add_argument("--kv-tokens", type=int, default=32768, help="the long conversation's size")
    p.add_argument("--restart-tokens", type=int, default=4096, help="the continued chat's size")
    p.add_argument("--idle-seconds", type=float, default=60.0)
    p.add_argument("--dir", type=Path, help="keep the models here (default: a temp folder)")
    p.add_argument("--json", type=Path, default=Path("bench-results/memory.json"))
