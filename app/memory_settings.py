"""The memory settings (context, KV precision, saved conversations, idle unload) as the
`fennec serve` flags the app starts its worker with: one place, so the settings file and
the worker agree."""

from __future__ import annotations

from app.settings import Settings

# The settings the worker must restart to apply.
MEMORY_KEYS = ("context_tokens", "kv_bits", "prompt_cache_gb", "idle_unload_minutes")


def memory_serve_args(settings: Settings) -> list[str]:
    """Flags for `fennec serve` from the user's settings."""
    return [
        "--context",
        str(int(settings.get("context_tokens"))),
        "--kv-bits",
        str(settings.get("kv_bits")),
        "--prompt-cache-gb",
        f"{float(settings.get('prompt_cache_gb')):g}",
        "--idle-unload-minutes",
        str(int(settings.get("idle_unload_minutes"))),
    ]
