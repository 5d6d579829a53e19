"""Office server mode: `fennec serve --host 0.0.0.0` for a small office — TLS from the user's
certificate and key, per-user API keys (`fennec keys`) with rate limits, named hosts.

Flags here, wired into `fennec serve`; FENNEC_TLS_CERT, FENNEC_TLS_KEY and FENNEC_API_KEYS
set them from the environment (inference/serve_env.py).
"""

from __future__ import annotations

import argparse
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from inference.errors import FennecError


class OfficeError(FennecError):
    pass


def default_keys_file() -> Path:
    """Where `fennec keys` keeps the hashes: FENNEC_API_KEYS, else the data directory."""
    override = os.environ.get("FENNEC_API_KEYS")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    home = os.environ.get("FENNEC_HOME")
    return Path(home or user_data_dir("Fennec", appauthor=False)) / "api_keys.json"


@dataclass(frozen=True)
class OfficeOptions:
    tls_cert: Path | None = None
    tls_key: Path | None = None
    api_keys: Path | None = None  # None: only the worker's own token opens /v1
    allowed_hosts: frozenset[str] = frozenset()

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None


def add_office_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (PEM)")
    p.add_argument("--tls-key", type=Path, help="the certificate's private key (PEM)")
    p.add_argument(
        "--api-keys",
        type=Path,
        nargs="?",
        const=Path("-"),
        help="accept the per-user keys made with `fennec keys` (optionally their file)",
    )
    p.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        help="a name clients use to reach this server (Host header), repeatable",
    )


def office_options(args: argparse.Namespace) -> OfficeOptions:
    keys = getattr(args, "api_keys", None)
    if keys == Path("-"):
        keys = default_keys_file()
    return OfficeOptions(
        getattr(args, "tls_cert", None),
        getattr(args, "tls_key", None),
        keys,
        frozenset(getattr(args, "allowed_host", None) or ()),
    )


def tls_config(options: OfficeOptions) -> dict:
    """uvicorn's TLS settings, after checking the pair loads (a clear error, not a traceback)."""
    if options.tls_cert is None and options.tls_key is None:
        return {}
    if options.tls_cert is None or options.tls_key is None:
        raise OfficeError("TLS needs both --tls-cert and --tls-key")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
            options.tls_cert, options.tls_key
        )
    except (OSError, ssl.SSLError) as e:
        raise OfficeError(f"cannot use the TLS certificate and key: {e}") from None
    return {"ssl_certfile": str(options.tls_cert), "ssl_keyfile": str(options.tls_key)}
