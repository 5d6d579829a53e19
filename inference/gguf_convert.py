"""Convert a local Hugging Face safetensors folder to a GGUF llama.cpp runs: Q8_0 or Q4_K_M.

Two steps: a float16 GGUF written tensor by tensor with the `gguf` package (the names, layout
and tokenizer writing of inference/gguf_writer.py), then llama.cpp's own quantiser through
llama-cpp-python. Both write to hidden temporary names beside the output, renamed at the
end, so a failure, a cancel or a full disk leaves nothing half-written behind.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.catalog import human_size
from inference.errors import ModelError
from inference.gguf_tokenizer import TokenizerSource, read_tokenizer
from inference.gguf_writer import (
    add_model_metadata,
    gguf_arch_of,
    gguf_architectures,
    gguf_name_of,
    gguf_weight,
)
from inference.safetensors_read import Weight, plan_weights, shard_files

# bits → (name, llama.cpp's LLAMA_FTYPE_MOSTLY_*, bytes of output per byte of float16)
QUANTS = {8: ("Q8_0", 7, 34 / 32 / 2), 4: ("Q4_K_M", 15, 4.9 / 16)}
# Room kept free beyond the estimate: llama.cpp's own buffers, the file system's rounding.
DISK_MARGIN = 64 << 20
LOG_LINES_KEPT = 20


class ConvertCancelled(ModelError):
    """The user stopped the conversion; nothing of it is left on disk."""


@dataclass(frozen=True)
class ConvertProgress:
    """Where a conversion is: "writing" the float16 GGUF (`done` of `total` tensors, `tensor`
    the one just written), then "quantising" (0 of 1, then 1 of 1: llama.cpp reports no steps)."""

    stage: str
    done: int
    total: int
    tensor: str = ""


@dataclass(frozen=True)
class GgufSource:
    """A checked source folder: what the conversion reads."""

    folder: Path
    config: dict
    arch: str
    weights: list[Weight]
    tokenizer: TokenizerSource

    @property
    def f16_bytes(self) -> int:
        return sum(w.elements * (4 if len(w.shape) <= 1 else 2) for w in self.weights)


def inspect_source(src: Path) -> GgufSource:
    """Check `src` before any work: config, architecture, every shard, the tokenizer."""
    config_file = src / "config.json"
    if not src.is_dir():
        raise ModelError(f"{src} is not a folder (a Hugging Face model folder is expected)")
    if not config_file.exists():
        raise ModelError(f"{src} is missing config.json")
    try:
        config = json.loads(config_file.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise ModelError(f"{config_file} is not valid JSON: {e}") from None
    arch = config.get("model_type") if isinstance(config, dict) else None
    if arch not in gguf_architectures():
        raise ModelError(
            f"Fennec cannot convert {arch or 'this'!r} models to GGUF (it converts "
            f"{', '.join(gguf_architectures())})"
        )
    missing = [
        k
        for k in (
            "hidden_size",
            "num_hidden_layers",
            "num_attention_heads",
            "num_experts_per_tok",
            "max_position_embeddings",
        )
        if k not in config
    ]
    if missing:
        raise ModelError(f"{config_file} lacks {', '.join(missing)}")
    weights = plan_weights(shard_files(src))
    for w in weights:
        try:
            gguf_name_of(w.name, arch)
        except KeyError:
            raise ModelError(f"{src.name}: unexpected weight {w.name!r} for {arch}") from None
    return GgufSource(src, config, arch, weights, read_tokenizer(src))


def gguf_file_name(src: Path, bits: int) -> str:
    """The converted file's name: the source folder's, with its quantisation."""
    return f"{src.resolve().name}-{QUANTS[bits][0]}.gguf"


def needed_bytes(source: GgufSource, bits: int) -> int:
    """Disk a conversion needs at its peak: the float16 intermediate and the result."""
    f16 = source.f16_bytes
    return f16 + int(f16 * QUANTS[bits][2]) + DISK_MARGIN


def convert_to_gguf(
    src: Path,
    dest: Path,
    bits: int,
    on_progress: Callable[[ConvertProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Convert the model folder `src` into the GGUF file `dest` (Q8_0 for 8 bits, Q4_K_M for 4).

    `on_progress` is called from this thread; setting `cancel` stops at the next tensor (the
    quantising step, one llama.cpp call, runs to its end first)."""
    if bits not in QUANTS:
        raise ModelError(f"GGUF quantisation is 4-bit (Q4_K_M) or 8-bit (Q8_0), not {bits}-bit")
    if dest.exists():
        raise ModelError(f"{dest} already exists; remove it or choose another --out")
    source = inspect_source(src)
    dest.parent.mkdir(parents=True, exist_ok=True)
    need, free = needed_bytes(source, bits), shutil.disk_usage(dest.parent).free
    if need > free:
        raise ModelError(
            f"not enough free disk in {dest.parent}: converting needs about {human_size(need)} "
            f"(a float16 intermediate and the {QUANTS[bits][0]} file), {human_size(free)} free"
        )
    report = on_progress or (lambda p: None)
    f16 = dest.with_name(f".{dest.name}.f16.part")
    part = dest.with_name(f".{dest.name}.part")
    try:
        write_f16_gguf(source, f16, report, cancel or threading.Event())
        report(ConvertProgress("quantising", 0, 1))
        quantise(f16, part, bits)
        os.replace(part, dest)
        report(ConvertProgress("quantising", 1, 1))
    finally:
        f16.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    return dest


def write_f16_gguf(
    source: GgufSource,
    path: Path,
    report: Callable[[ConvertProgress], None],
    cancel: threading.Event,
) -> None:
    """The model as a float16 GGUF (1-D tensors, the norms, stay float32), one tensor in
    memory at a time."""
    import gguf

    arch, config = source.arch, source.config
    writer = gguf.GGUFWriter(str(path), gguf_arch_of(arch))
    try:
        add_model_metadata(writer, arch, config, source.folder.name, gguf.LlamaFileType.MOSTLY_F16)
        source.tokenizer.write(writer, vocab_size=int(config.get("vocab_size") or 0))
        dtypes = [np.float32 if len(w.shape) <= 1 else np.float16 for w in source.weights]
        for w, dtype in zip(source.weights, dtypes, strict=True):
            nbytes = w.elements * np.dtype(dtype).itemsize
            writer.add_tensor_info(gguf_name_of(w.name, arch), w.shape, np.dtype(dtype), nbytes)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        total = len(source.weights)
        for i, (w, dtype) in enumerate(zip(source.weights, dtypes, strict=True)):
            if cancel.is_set():
                raise ConvertCancelled("Conversion cancelled; nothing was kept.")
            name, array = gguf_weight(w.name, w.load(), arch, config)
            writer.write_tensor_data(np.ascontiguousarray(array, dtype=dtype))
            report(ConvertProgress("writing", i + 1, total, name))
    finally:
        writer.close()


def quantise(f16: Path, out: Path, bits: int) -> None:
    """llama.cpp's quantiser, as `llama-quantize` runs it; its log (a line per tensor) is
    kept from the terminal, and its last lines become the message if it fails."""
    import llama_cpp

    name, ftype, _ = QUANTS[bits]
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = max(1, os.cpu_count() or 1)
    lines: list[str] = []

    @llama_cpp.llama_log_callback
    def keep(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        lines.append(text.decode("utf-8", errors="replace"))
        del lines[:-LOG_LINES_KEPT]

    llama_cpp.llama_log_set(keep, ctypes.c_void_p(0))
    try:
        rc = llama_cpp.llama_model_quantize(
            str(f16).encode(), str(out).encode(), ctypes.byref(params)
        )
    finally:
        _restore_llama_log(llama_cpp)
    if rc != 0:
        tail = "".join(lines).strip().splitlines()[-3:]
        raise ModelError(
            f"llama.cpp could not quantise the model to {name}: {' / '.join(tail) or rc}"
        )


def _restore_llama_log(llama_cpp) -> None:
    """Give the log back to llama-cpp-python's own handler (installed when it loads a model)."""
    try:
        from llama_cpp._logger import llama_log_callback
    except ImportError:  # a version without it: llama.cpp's default (stderr) is fine
        return
    llama_cpp.llama_log_set(llama_log_callback, ctypes.c_void_p(0))
