"""Several Macs as one, here as two processes on loopback on the CPU: MLX's ring backend and
mlx-lm's tensor-parallel loading of the qwen3_moe test model give the single process's greedy
answer token for token, with each rank holding only part of the weights."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROMPT = "Tell me about foxes and deserts"


def _run(cmd: list[str]) -> dict:
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    assert done.returncode == 0 and len(lines) == 1, done.stdout + done.stderr
    return json.loads(lines[0])


@pytest.mark.slow
def test_two_ranks_on_loopback_match_one_process(tiny_model):
    launcher = Path(sys.executable).with_name("mlx.launch")
    if not launcher.exists():
        launcher = Path(shutil.which("mlx.launch") or "mlx.launch")
    job = [sys.executable, "-m", "inference.mlx_distributed", "--model", str(tiny_model)]
    job += ["--max-tokens", "24", PROMPT]
    alone = _run(job)
    together = _run([str(launcher), "--backend", "ring", "-n", "2", "--cwd", str(ROOT), "--", *job])
    assert (alone["ranks"], together["ranks"]) == (1, 2)
    assert len(alone["tokens"]) >= 8  # a real answer, not an instant end-of-turn
    assert together["tokens"] == alone["tokens"]
    assert together["parameters"] < 0.8 * alone["parameters"]  # sharded, not replicated
