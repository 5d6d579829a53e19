"""`fennec models list|download|delete|convert`: the catalog in a terminal, with the same store and
checks as the model picker (app/model_store.py)."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import psutil

from app import model_store
from inference.catalog import (
    CatalogModel,
    Variant,
    check_fit,
    find_model,
    human_size,
    load_catalog,
    memory_size,
    recommended,
)
from inference.errors import ModelError
from inference.hub_download import DownloadCancelled, Progress
from inference.model_source import metal_available


def add_parser(sub) -> None:
    p = sub.add_parser("models", help="list, download and delete catalog models")
    cmds = p.add_subparsers(dest="models_command", required=True)
    ls = cmds.add_parser("list", help="the catalog: files, sizes, what is downloaded")
    ls.add_argument("--all", action="store_true", help="every engine, not only this machine's")
    ls.add_argument("--sources", action="store_true", help="where each figure was checked")
    for name, text in (("download", "fetch one model's file(s)"), ("delete", "remove them")):
        c = cmds.add_parser(name, help=text)
        c.add_argument("model", help="a catalog id (see `fennec models list`) or id:engine:quant")
        c.add_argument("--engine", choices=("auto", "mlx", "llamacpp"), default="auto")
        c.add_argument("--bits", type=int, choices=(4, 8), help="4 (default) or 8")
        c.add_argument("--quant", help="a quantisation by name, e.g. Q8_0")
        if name == "download":
            c.add_argument("--force", action="store_true", help="skip the memory check")
    conv = cmds.add_parser(
        "convert", help="a local safetensors folder to MLX or GGUF (Q4_K_M / Q8_0), 4- or 8-bit"
    )
    conv.add_argument("src", type=Path, help="a Hugging Face model folder (config, weights)")
    conv.add_argument(
        "--to", choices=("mlx", "gguf"), default="mlx", help="mlx (Apple GPUs) or gguf (llama.cpp)"
    )
    conv.add_argument("--bits", type=int, choices=(4, 8), default=4)
    conv.add_argument("--out", type=Path, help="default: Fennec's model folder")


def this_machine_engine() -> str:
    return "mlx" if metal_available() else "llamacpp"


def pick_variant(models: list[CatalogModel], args: argparse.Namespace) -> Variant:
    """`model` is an id (engine and bits from the options) or a full id:engine:quant key."""
    model_id, _, rest = args.model.partition(":")
    engine, _, quant = rest.partition(":")
    engine = engine or (this_machine_engine() if args.engine == "auto" else args.engine)
    return find_model(models, model_id).variant(engine, args.bits, quant or args.quant)


def run(args: argparse.Namespace, out=None, err=None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    models = load_catalog()
    try:
        if args.models_command == "list":
            return _list(models, args, out)
        if args.models_command == "convert":
            return _convert(args, out, err)
        variant = pick_variant(models, args)
        if args.models_command == "download":
            return _download(variant, args.force, out, err)
        freed = model_store.delete(variant)
        print(f"deleted {variant.key} ({human_size(freed)} freed)", file=out)
        return 0
    except DownloadCancelled as e:
        print(f"fennec: {e}", file=err)
        return 130
    except ModelError as e:
        print(f"fennec: error: {e}", file=err)
        return 1


def _list(models: list[CatalogModel], args: argparse.Namespace, out) -> int:
    ram = psutil.virtual_memory().total
    pick = recommended(models, ram / 2**30)
    engine = this_machine_engine()
    print(f"This machine: {memory_size(ram)} of memory, engine {engine}.", file=out)
    for m in models:
        mark = "  ← recommended" if m is pick else ""
        print(f"\n{m.id}  {m.name}  ({m.tier}, {m.min_ram_gb} GB RAM or more){mark}", file=out)
        for v in m.variants if args.all else m.variants_for(engine):
            where = model_store.installed_path(v)
            state = f"downloaded: {where}" if where else "not downloaded"
            if not check_fit(v, v.approx_bytes, ram, 1 << 62).fits:
                state += " · too big for this machine's memory"
            print(f"  {v.key:<34} {v.describe()}", file=out)
            print(f"  {'':<34} {v.repo} · {state}", file=out)
            if args.sources:
                print(f"  {'':<34} checked: {v.checked}", file=out)
    print(
        "\nDownload one with `fennec models download ID [--bits 8]` (or ID:ENGINE:QUANT).",
        file=out,
    )
    return 0


def _download(variant: Variant, force: bool, out, err) -> int:
    print(f"{variant.key}: {variant.repo} — {variant.describe()}", file=out)
    bar = _TerminalBar(err)
    cancel = threading.Event()
    try:
        path = model_store.download(variant, on_progress=bar.update, cancel=cancel, force=force)
    except KeyboardInterrupt:  # Ctrl-C: the partial file stays, the next run resumes it
        raise DownloadCancelled(
            "Download cancelled; it resumes where it stopped next time."
        ) from None
    finally:
        bar.close()
    print(f"ready: {path}", file=out)
    print(f"use it: fennec --model {path}   (the app; or fennec serve --model …)", file=out)
    return 0


def _convert(args: argparse.Namespace, out, err) -> int:
    from inference.model_convert import convert_to_mlx

    src = args.src.expanduser()
    if args.to == "gguf":
        return _convert_gguf(src, args, out, err)
    dest = args.out or model_store.models_dir() / f"{src.resolve().name}-mlx-{args.bits}bit"
    print(f"converting {src} to MLX {args.bits}-bit in {dest} …", file=out, flush=True)
    convert_to_mlx(src, dest, args.bits)
    print(f"ready: {dest}", file=out)
    return 0


def _convert_gguf(src: Path, args: argparse.Namespace, out, err) -> int:
    from inference.gguf_convert import (
        QUANTS,
        ConvertCancelled,
        ConvertProgress,
        convert_to_gguf,
        gguf_file_name,
    )

    quant = QUANTS[args.bits][0]
    dest = args.out or model_store.models_dir() / gguf_file_name(src, args.bits)
    if dest.is_dir():  # --out named a folder to put it in
        dest = dest / gguf_file_name(src, args.bits)
    print(f"converting {src} to GGUF {quant} in {dest} …", file=out, flush=True)
    bar = _TerminalBar(err)

    def show(p: ConvertProgress) -> None:
        what = "writing tensors" if p.stage == "writing" else f"quantising to {quant}"
        bar.show(f"{what}: {p.done} of {p.total}", p.done >= p.total)

    try:
        convert_to_gguf(src, dest, args.bits, on_progress=show, cancel=threading.Event())
    except KeyboardInterrupt:  # Ctrl-C: convert_to_gguf has removed its temporary files
        raise ConvertCancelled("Conversion cancelled; nothing was kept.") from None
    finally:
        bar.close()
    print(f"ready: {dest}", file=out)
    return 0


class _TerminalBar:
    """One line, rewritten at most a few times a second (a log, when not a terminal)."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.last = 0.0
        self.shown = False

    def update(self, p: Progress) -> None:
        now = time.monotonic()
        if now - self.last < 0.25 and p.done < p.total:
            return
        self.last = now
        pct = 100 * p.done / max(p.total, 1)
        line = f"{p.file}: {human_size(p.done)} of {human_size(p.total)} ({pct:.0f}%)"
        self._print(line)

    def show(self, line: str, last: bool = False) -> None:
        """A line of its own (conversion steps), rate-limited like `update`."""
        now = time.monotonic()
        if now - self.last < 0.25 and not last:
            return
        self.last = now
        self._print(line)

    def _print(self, line: str) -> None:
        end = "\r" if self.stream.isatty() else "\n"
        print(line.ljust(78), end=end, file=self.stream, flush=True)
        self.shown = True

    def close(self) -> None:
        if self.shown and self.stream.isatty():
            print(file=self.stream)
