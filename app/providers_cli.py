"""`fennec providers add|list|remove`: remote OpenAI-compatible endpoints.

The API key is never a command-line argument (it would sit in the shell history and in `ps`
for every user of the machine): it is read from a prompt, from stdin, or from a named
environment variable, and handed straight to the keychain.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from app.providers import (
    Provider,
    ProviderError,
    ProviderStore,
    check_name,
    fetch_models,
    normalize_base_url,
)
from app.secrets import SecretsError


def add_parser(sub) -> None:
    providers = sub.add_parser("providers", help="remote OpenAI-compatible providers")
    verbs = providers.add_subparsers(dest="providers_command", required=True)
    add = verbs.add_parser("add", help="add (or replace) a provider; its key goes to the keychain")
    add.add_argument("name", help="a short name, e.g. openrouter or office-gpu")
    add.add_argument("base_url", help="e.g. https://api.openai.com/v1 or http://gpu-box:8000")
    key = add.add_mutually_exclusive_group()
    key.add_argument("--api-key-env", metavar="VAR", help="read the API key from this variable")
    key.add_argument(
        "--api-key-stdin", action="store_true", help="read the API key from standard input"
    )
    key.add_argument("--no-api-key", action="store_true", help="the endpoint needs no key")
    add.add_argument("--model", help="the model to use by default (else the first listed)")
    add.add_argument(
        "--no-fetch", action="store_true", help="do not ask the endpoint for its models now"
    )
    verbs.add_parser("list", help="the providers, their models, whether a key is stored")
    remove = verbs.add_parser("remove", help="forget a provider and delete its key")
    remove.add_argument("name")


def run(args: argparse.Namespace, store: ProviderStore | None = None) -> int:
    store = store or ProviderStore()
    try:
        if args.providers_command == "add":
            return _add(args, store)
        if args.providers_command == "list":
            return _list(store)
        store.remove(args.name)
        print(f"removed provider {args.name} and its key")
        return 0
    except (ProviderError, SecretsError) as e:
        print(f"fennec: error: {e}", file=sys.stderr)
        return 2


def _read_key(args: argparse.Namespace) -> str | None:
    if args.no_api_key:
        return None
    if args.api_key_env:
        value = os.environ.get(args.api_key_env)
        if not value:
            raise ProviderError(f"the variable {args.api_key_env} is empty or not set")
        return value.strip()
    if args.api_key_stdin:
        return sys.stdin.readline().strip() or None
    if sys.stdin.isatty():
        return getpass.getpass("API key (empty for none): ").strip() or None
    return None


def _add(args: argparse.Namespace, store: ProviderStore) -> int:
    name = check_name(args.name)
    base_url = normalize_base_url(args.base_url)
    api_key = _read_key(args)
    models: list[str] = [] if args.no_fetch else fetch_models(base_url, api_key)
    if args.model and models and args.model not in models:
        raise ProviderError(f"{base_url} does not list the model {args.model!r}")
    provider = Provider(name, base_url, tuple(models), args.model)
    if provider.plain_http_remote and api_key:
        print(
            f"fennec: warning: {base_url} is plain HTTP off this machine: the key travels "
            "unencrypted",
            file=sys.stderr,
        )
    store.add(provider, api_key)
    listed = f"{len(models)} model(s)" if models else "models not fetched"
    where = "key in the system keychain" if api_key else "no key"
    print(f"added provider {name}: {base_url}, {listed}, {where}")
    return 0


def _list(store: ProviderStore) -> int:
    providers = store.list()
    if not providers:
        print("no providers yet: fennec providers add NAME URL")
        return 0
    for p in providers:
        try:
            key = "key in keychain" if store.api_key(p.name) else "no key"
        except SecretsError:
            key = "keychain unavailable"
        models = ", ".join(p.models) if p.models else "(models not fetched)"
        print(f"{p.name}\t{p.base_url}\t{key}\tdefault {p.model}\t{models}")
    return 0
