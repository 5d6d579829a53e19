"""The memory settings reach `fennec serve` as flags it parses into the same options."""

from __future__ import annotations

import pytest

from app.memory_settings import memory_serve_args
from app.settings import Settings


def _serve_options(flags: list[str]):
    from app.cli import _memory_options, build_parser

    args = build_parser().parse_args(["serve", "--model", "m", *flags])
    return args, _memory_options(args)


def test_defaults_become_the_serve_defaults(fennec_home):
    flags = memory_serve_args(Settings(fennec_home / "settings.json"))
    args, memory = _serve_options(flags)
    defaults, default_memory = _serve_options([])
    assert memory == default_memory and args.idle_unload_minutes == defaults.idle_unload_minutes
    assert memory.prompt_cache_dir == fennec_home / "cache" / "prompt-kv"


def test_chosen_settings_reach_the_worker(fennec_home):
    settings = Settings(fennec_home / "settings.json")
    settings.set("context_tokens", 16384)
    settings.set("kv_bits", "8")
    settings.set("prompt_cache_gb", 0.5)
    settings.set("idle_unload_minutes", 0)
    args, memory = _serve_options(memory_serve_args(settings))
    assert (memory.context, memory.kv_bits, memory.prompt_cache_bytes) == (16384, 8, 500_000_000)
    assert args.idle_unload_minutes == 0


def test_a_bad_kv_precision_is_refused_by_the_setting(fennec_home):
    with pytest.raises(ValueError, match="one of 16, 8, 4"):
        Settings(fennec_home / "settings.json").set("kv_bits", "5")


def test_the_environment_sets_them_for_a_container(monkeypatch):
    for name, value in {
        "FENNEC_KV_BITS": "8",
        "FENNEC_CONTEXT": "8192",
        "FENNEC_PROMPT_CACHE_GB": "0",
        "FENNEC_IDLE_UNLOAD_MINUTES": "0",
    }.items():
        monkeypatch.setenv(name, value)
    args, memory = _serve_options([])
    assert (memory.kv_bits, memory.context, memory.prompt_cache_bytes) == (8, 8192, 0)
    assert args.idle_unload_minutes == 0
    args, memory = _serve_options(["--kv-bits", "4"])  # a flag still wins
    assert memory.kv_bits == 4
