"""`fennec bench engine`'s options, apart from the bench so the CLI loads fast."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    """`fennec bench engine`'s options."""
    p.add_argument("--size", choices=("tiny", "medium"), default="medium")
    p.add_argument("--model", help="a model folder or GGUF to bench instead of a random one")
    p.add_argument("--engines", default="mlx,llamacpp", help="which engines (comma-separated)")
    p.add_argument("--json", type=Path, default=Path("bench-results/engine.json"))
    p.add_argument("--clients", default="1,2,4,8,16", help="concurrency levels")
    p.add_argument("--max-tokens", type=int, default=64, help="answer length under load")
    p.add_argument("--single-tokens", type=int, default=256, help="single-stream answer length")
    p.add_argument(
        "--long-tokens", type=int, default=1024, help="the long answer short requests arrive in"
    )
    p.add_argument(
        "--warmup", type=int, default=1, help="unmeasured passes per load level, both sides"
    )
    p.add_argument("--note", default="", help="recorded in the JSON (e.g. a shared machine)")
