"""`fennec keys add|list|revoke`: per-user API keys for office server mode.

The key is printed once, at `add`; the file (`fennec serve --api-keys`) keeps its SHA-256
only, with the holder's name and rate limit. A running server sees a revoke at once.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from inference.api_keys import DEFAULT_RATE_PER_MIN, ApiKeyError, ApiKeyStore
from inference.office import default_keys_file


def add_parser(sub) -> None:
    keys = sub.add_parser("keys", help="per-user API keys for fennec serve --api-keys")
    keys.add_argument(
        "--file", type=Path, help="the keys file (default: FENNEC_API_KEYS or the data dir)"
    )
    verbs = keys.add_subparsers(dest="keys_command", required=True)
    add = verbs.add_parser("add", help="make a key for someone; it is shown once")
    add.add_argument("name", help="who holds it, e.g. alice or reception-pc")
    add.add_argument(
        "--rate", type=int, default=DEFAULT_RATE_PER_MIN, help="requests a minute (default 60)"
    )
    verbs.add_parser("list", help="holders, limits, revoked or not (never the keys)")
    revoke = verbs.add_parser("revoke", help="stop a holder's key from working")
    revoke.add_argument("name")


def run(args: argparse.Namespace) -> int:
    store = ApiKeyStore(args.file or default_keys_file())
    try:
        if args.keys_command == "add":
            record, key = store.add(args.name, args.rate)
            print(key)
            print(
                f"fennec: key for {record.name} ({record.rate_per_min}/min) stored as a hash "
                f"in {store.path}; this is the only time it is shown",
                file=sys.stderr,
            )
            return 0
        if args.keys_command == "list":
            keys = store.list()
            if not keys:
                print(f"no keys yet in {store.path}: fennec keys add NAME")
            for k in keys:
                made = time.strftime("%Y-%m-%d %H:%M", time.localtime(k.created_at))
                state = "revoked" if k.revoked else "live"
                print(
                    f"{k.name}\t{state}\t{k.rate_per_min}/min\tmade {made}\tsha256 {k.digest[:12]}…"
                )
            return 0
        count = store.revoke(args.name)
        print(f"revoked {count} key(s) of {args.name}")
        return 0
    except ApiKeyError as e:
        print(f"fennec: error: {e}", file=sys.stderr)
        return 2
