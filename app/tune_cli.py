"""`fennec tune`: train a LoRA adapter for a model on the user's JSONL, governed, resumable;
`fennec tune list`: the adapters in the store, under their base models."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from app import tuning_status
from inference.errors import FennecError

DEFAULTS = {"rank": 16, "alpha": 32.0, "dropout": 0.1, "targets": "q_proj,v_proj"}


def add_parser(sub) -> None:
    p = sub.add_parser("tune", help="train a LoRA adapter on your data (or: tune list)")
    p.add_argument(
        "action",
        nargs="?",
        choices=("list", "try"),
        help="list: the stored adapters; try: base and tuned answers to --prompt, as JSON",
    )
    p.add_argument("--model", help="base model: folder with MLX weights or Hugging Face id")
    p.add_argument("--data", type=Path, help="training examples, JSONL (chat, prompt/completion)")
    p.add_argument("--valid", type=Path, help="validation JSONL (default: 10%% of --data)")
    p.add_argument("--out", help="adapter name (stored beside the base model) or a folder path")
    p.add_argument("--rank", type=int, default=DEFAULTS["rank"])
    p.add_argument("--alpha", type=float, default=DEFAULTS["alpha"])
    p.add_argument("--dropout", type=float, default=DEFAULTS["dropout"])
    p.add_argument("--targets", default=DEFAULTS["targets"], help="comma-separated layer names")
    p.add_argument("--iters", type=int, default=200)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--learning-rate", type=float, default=1e-4)
    p.add_argument("--save-every", type=int, default=25, help="checkpoint every N steps")
    p.add_argument("--eval-every", type=int, default=50, help="validation loss every N steps")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fresh", action="store_true", help="start over instead of resuming")
    p.add_argument("--no-governor", action="store_true", help="no thermal/power pacing")
    p.add_argument("--preset", choices=("cool", "balanced", "performance"), default="cool")
    p.add_argument("--thermal-sim", metavar="PROFILE", help="pace for a simulated laptop")
    p.add_argument("--gui", action="store_true", help="open the tuning window instead")
    p.add_argument("--json-progress", action="store_true", help="progress as JSON lines")
    p.add_argument("--adapter", help="try: the adapter (name or path)")
    p.add_argument("--prompt", help="try: the message both models answer")
    p.add_argument("--engine", choices=("auto", "mlx", "llamacpp"), default="auto")


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr  # read at call time (tests swap them)
    try:
        if args.action == "list":
            return _list(out)
        if args.action == "try":
            return _try(args, out, err)
        if args.gui:
            from app.ui.tuning_window import run_tuning_window

            return run_tuning_window(args.model, args.data)
        missing = [f"--{n}" for n in ("model", "data", "out") if getattr(args, n) is None]
        if missing:
            print(f"fennec: error: tune needs {', '.join(missing)}", file=err)
            return 2
        return _tune(args, out, err)
    except FennecError as e:
        print(f"fennec: error: {e}", file=err, flush=True)
        return 2


def _list(out: TextIO) -> int:
    from app.tune_store import list_adapters

    adapters = list_adapters()
    if not adapters:
        print("no adapters yet: fennec tune --model M --data FILE.jsonl --out NAME", file=out)
        return 0
    base = None
    for a in adapters:
        m = a.meta
        if m.base_model != base:
            base = m.base_model
            print(f"{base}", file=out)
        val = f"val loss {m.val_losses[-1][1]:.3f}" if m.val_losses else "not validated"
        print(
            f"  {m.name}  r={m.rank} alpha={m.alpha:g} {','.join(m.targets)}  "
            f"step {m.iterations}/{m.total_iterations}  {val}  {a.path}",
            file=out,
        )
    return 0


def _try(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from app.tune_store import find_adapter
    from inference.adapter_try import side_by_side

    if args.model is None or args.adapter is None or args.prompt is None:
        print("fennec: error: tune try needs --model, --adapter and --prompt", file=err)
        return 2
    answers = side_by_side(args.model, find_adapter(args.adapter), args.prompt, args.engine)
    print(json.dumps(asdict(answers)), file=out, flush=True)
    return 0


def format_progress(p) -> str:
    """One progress line: bar, step, losses, speed and time left."""
    width = 20
    filled = int(width * p.iteration / max(1, p.total))
    bar = "#" * filled + "." * (width - filled)
    parts = [f"[{bar}] {p.iteration}/{p.total}"]
    if p.train_loss is not None:
        parts.append(f"loss {p.train_loss:.3f}")
    if p.val_loss is not None:
        parts.append(f"val {p.val_loss:.3f}")
    if p.tokens_per_s:
        parts.append(f"{p.tokens_per_s:,.0f} tok/s")
    if p.eta_s is not None:
        minutes, seconds = divmod(int(p.eta_s), 60)
        parts.append(f"ETA {minutes}:{seconds:02d}")
    if p.paced_s >= 1:
        parts.append(f"paced {p.paced_s:.0f} s")
    return "  ".join(parts)


def _tune(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from app.tune_run import TuneRequest, TuneRun

    request = TuneRequest(
        model=args.model,
        data=args.data,
        valid=args.valid,
        out=args.out,
        rank=args.rank,
        alpha=args.alpha,
        dropout=args.dropout,
        targets=tuple(t.strip() for t in args.targets.split(",") if t.strip()),
        iters=args.iters,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        save_every=args.save_every,
        eval_every=args.eval_every,
        seed=args.seed,
        fresh=args.fresh,
        governor=not args.no_governor,
        preset=args.preset,
        thermal_sim=args.thermal_sim,
    )
    tty = out.isatty() and not args.json_progress

    adapter_name = Path(str(args.out)).name

    def show(progress) -> None:
        tuning_status.write_status(adapter_name, progress)  # the app's tray reads it
        if args.json_progress:  # for the tuning window, which runs this command
            print(json.dumps(asdict(progress)), file=out, flush=True)
            return
        line = format_progress(progress)
        if tty:
            print("\r" + line.ljust(100), end="", file=out, flush=True)
        elif progress.val_loss is not None or progress.iteration % 10 == 0:
            print(line, file=out, flush=True)

    run = TuneRun(request, on_progress=show, on_note=lambda s: print(s, file=err, flush=True))
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum, frame) -> None:
        # First Ctrl+C: finish this step, save, leave; a second one is the usual interrupt.
        print("\nfennec: stopping after this step (Ctrl+C again to abort)", file=err, flush=True)
        run.pacer.request_stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, on_sigint)
    try:
        result = run.execute()
    finally:
        signal.signal(signal.SIGINT, previous)
        tuning_status.clear_status()
    if tty:
        print(file=out)
    losses = asdict(result)
    print(
        "train loss " + " ".join(f"{i}:{v:.3f}" for i, v in losses["train_losses"][-10:]),
        file=out,
    )
    print("val loss " + " ".join(f"{i}:{v:.3f}" for i, v in losses["val_losses"]), file=out)
    verb = "stopped at" if result.stopped else "finished"
    print(
        f"{verb} step {result.iteration}/{result.total} ({result.tokens_per_s:,.0f} tok/s "
        f"while computing); adapter in {run.out_dir}",
        file=out,
    )
    if result.stopped:
        print("run the same command again to resume from this step", file=out)
    return 0
