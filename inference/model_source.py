"""Find, download and check a model before an engine touches it.

A model is a local folder (config.json + safetensors + tokenizer, for MLX), a local GGUF
file or a folder holding one (for llama.cpp), or a Hugging Face id, downloaded with a
progress bar (resumable: huggingface_hub keeps partial files). Every problem found here
becomes a `ModelError` that names it, so a user never sees a traceback.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from inference.errors import ModelError
from inference.memory_check import MemoryOptions, check_memory

ENGINES = ("auto", "mlx", "llamacpp")
_HF_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")
_SPLIT_GGUF = re.compile(r"-\d{5}-of-\d{5}$")  # llama.cpp's split files: load the first part
GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class ModelFiles:
    """What a checked model offers each engine."""

    model_id: str
    mlx_dir: Path | None  # a folder mlx-lm can load
    gguf_file: Path | None  # a file llama.cpp can load


def resolve(model: str, download: bool = True) -> ModelFiles:
    """Turn a path or Hugging Face id into checked local files."""
    path = Path(model).expanduser()
    if path.exists():
        return inspect_local(path)
    if _HF_ID.match(model) and not model.startswith((".", "/", "~")):
        if not download:
            raise ModelError(f"model {model!r} is not downloaded yet")
        return inspect_local(download_hf(model), model_id=model)
    raise ModelError(f"no model at {model!r}: not a file or folder, and not a Hugging Face id")


def download_hf(repo_id: str) -> Path:
    """Download (or resume) a Hugging Face model snapshot, showing progress on the terminal.

    A GGUF repo usually holds every quantisation of a model (over 100 GB for a 30B one), so one
    with several GGUF files is refused with the list: the user names one, or uses the catalog.
    """
    from inference.hub_download import DownloadError, list_files

    try:
        listed = [f.path for f in list_files(repo_id)]
    except DownloadError as e:
        raise ModelError(f"could not download {repo_id}: {e}") from None
    ggufs = sorted(p for p in listed if p.endswith(".gguf") and not _SPLIT_GGUF.search(p[:-5]))
    splits = sorted(
        {
            _SPLIT_GGUF.sub("", p[:-5])
            for p in listed
            if p.endswith(".gguf") and _SPLIT_GGUF.search(p[:-5])
        }
    )
    if len(ggufs) + len(splits) > 1:
        shown = ", ".join((ggufs + splits)[:6]) + (" …" if len(ggufs) + len(splits) > 6 else "")
        raise ModelError(
            f"{repo_id} holds {len(ggufs) + len(splits)} GGUF files (one per quantisation: "
            f"{shown}); Fennec downloads one. Pick one with `fennec models download` (the "
            "catalog), or download that file and give its path."
        )
    try:
        from huggingface_hub import snapshot_download

        return Path(
            snapshot_download(
                repo_id,
                allow_patterns=["*.json", "*.safetensors", "*.gguf", "*.model", "*.txt", "*.jinja"],
            )
        )
    except Exception as e:  # network, auth, missing repo: all end the same way for the user
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ModelError(f"could not download {repo_id}: {reason}") from None


def inspect_local(path: Path, model_id: str | None = None) -> ModelFiles:
    """Check a local model folder or GGUF file; raise ModelError naming what is wrong."""
    model_id = model_id or path.name
    if path.is_file():
        if path.suffix.lower() != ".gguf":
            raise ModelError(
                f"{path} is a file but not a GGUF model (.gguf); give its folder instead"
            )
        check_gguf(path)
        return ModelFiles(model_id, None, path)
    gguf_file = _the_gguf_in(path)
    if gguf_file is not None:
        check_gguf(gguf_file)
    has_weights = any(path.glob("*.safetensors"))
    mlx_dir = None
    if has_weights or ((path / "config.json").exists() and gguf_file is None):
        check_mlx_folder(path)
        mlx_dir = path
    if mlx_dir is None and gguf_file is None:
        raise ModelError(
            f"{path} holds no model: expected config.json with *.safetensors (MLX) or a .gguf file"
        )
    return ModelFiles(model_id, mlx_dir, gguf_file)


def _the_gguf_in(folder: Path) -> Path | None:
    """The one GGUF model in a folder (the first part of a split one); several is ambiguous."""
    ggufs = sorted(folder.glob("*.gguf"))
    whole = [g for g in ggufs if not _SPLIT_GGUF.search(g.stem)]
    first_parts = [g for g in ggufs if re.search(r"-00001-of-\d{5}$", g.stem)]
    candidates = whole + first_parts
    if len(candidates) > 1:
        names = ", ".join(c.name for c in candidates)
        raise ModelError(
            f"{folder} holds {len(candidates)} GGUF models ({names}); give the file to load"
        )
    return candidates[0] if candidates else None


def check_mlx_folder(path: Path) -> None:
    """config.json parses and names an architecture; weights are complete; a tokenizer exists."""
    config_file = path / "config.json"
    if not config_file.exists():
        raise ModelError(f"{path} is missing config.json")
    try:
        config = json.loads(config_file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ModelError(f"{config_file} is not valid JSON: {e}") from None
    if not isinstance(config, dict) or "model_type" not in config:
        raise ModelError(f"{config_file} does not say which architecture it is (no model_type)")
    weights = sorted(path.glob("*.safetensors"))
    if not weights:
        raise ModelError(f"{path} has no weights (*.safetensors)")
    for w in weights:
        check_safetensors(w)
    if not any((path / n).exists() for n in ("tokenizer.json", "tokenizer.model", "vocab.json")):
        raise ModelError(f"{path} has no tokenizer (tokenizer.json)")


def check_safetensors(path: Path) -> None:
    """The header parses and the file is as long as the header says: catches truncation."""
    size = path.stat().st_size
    try:
        with path.open("rb") as f:
            (header_len,) = struct.unpack("<Q", f.read(8))
            if header_len > size - 8:
                raise ValueError("header longer than the file")
            header = json.loads(f.read(header_len))
    except (struct.error, ValueError, UnicodeDecodeError) as e:
        raise ModelError(f"{path.name} is not a readable safetensors file ({e})") from None
    end = max((t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0)
    if 8 + header_len + end > size:
        raise ModelError(
            f"{path.name} is truncated: {size} bytes, expected {8 + header_len + end} "
            "(an interrupted download or copy?)"
        )


def check_gguf(path: Path) -> None:
    """Magic bytes, then a full parse of the header and tensor table (catches truncation)."""
    with path.open("rb") as f:
        magic = f.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(f"{path.name} is not a GGUF file (bad magic {magic!r})")
    try:
        from inference.gguf_header import read_header

        header = read_header(path)  # fast: a real vocabulary's 150K tokens are skipped
        if not header.tensors:
            raise ValueError("no tensors")
        if header.data_end() > path.stat().st_size:
            raise ValueError(f"{path.stat().st_size} bytes, the tensors need {header.data_end()}")
    except Exception as e:
        raise ModelError(f"{path.name} is a broken or truncated GGUF file ({e})") from None


def metal_available() -> bool:
    try:
        import mlx.core as mx

        return bool(mx.metal.is_available())
    except Exception:
        return False


@dataclass(frozen=True)
class EngineChoice:
    engine: str  # "mlx" or "llamacpp"
    reason: str  # one line for the status bar: which engine runs, and why


def choose_engine(files: ModelFiles, requested: str = "auto") -> str:
    return pick_engine(files, requested).engine


def pick_engine(files: ModelFiles, requested: str = "auto") -> EngineChoice:
    """Metal → MLX, otherwise llama.cpp; the model's format can force it. `auto` never runs
    MLX on a CPU for a user (6–15× slower than llama.cpp): it says what to do instead."""
    if requested not in ENGINES:
        raise ModelError(f"unknown engine {requested!r}; choose one of {', '.join(ENGINES)}")
    metal = metal_available()
    if requested == "mlx":
        if files.mlx_dir is None:
            raise ModelError(
                f"{files.model_id} has no MLX weights (a GGUF file needs --engine llamacpp)"
            )
        where = "the Metal GPU" if metal else "the CPU (slow: llama.cpp with a GGUF is faster)"
        return EngineChoice("mlx", f"MLX on {where}, as chosen in settings")
    if requested == "llamacpp":
        if files.gguf_file is None:
            raise ModelError(
                f"{files.model_id} has no GGUF file; llama.cpp needs one (or use --engine mlx)"
            )
        return EngineChoice("llamacpp", "llama.cpp on the CPU, as chosen in settings")
    if metal and files.mlx_dir is not None:
        return EngineChoice("mlx", "MLX on the Metal GPU (auto: Apple Silicon)")
    if files.gguf_file is not None:
        why = "no Metal GPU here" if not metal else "the model is a GGUF file"
        return EngineChoice("llamacpp", f"llama.cpp on the CPU (auto: {why})")
    raise ModelError(mlx_without_metal_advice(files))


def mlx_without_metal_advice(files: ModelFiles) -> str:
    """What to do with MLX-only weights on a machine without Metal: the catalog's GGUF of the
    same model when there is one, else the ways out."""
    from inference.catalog import find_by_repo, human_size, load_catalog

    head = (
        f"{files.model_id} has only MLX weights, and this machine has no Metal GPU: MLX would "
        "run on the CPU, 6–15× slower than llama.cpp. "
    )
    for repo in _repo_hints(files):
        found = find_by_repo(load_catalog(), repo)
        if found is None:
            continue
        model, _ = found
        gguf = model.variants_for("llamacpp")
        if gguf:
            v = min(gguf, key=lambda v: v.approx_bytes)
            return head + (
                f"Fennec's catalog has the same model for llama.cpp: {model.name} {v.quant} "
                f"({human_size(v.approx_bytes)}, {v.files[0].name}). Download it with "
                f"`fennec models download {model.id}` or from the model picker."
            )
    return head + (
        "Use a GGUF build of the same model (llama.cpp), or set the engine to mlx to run "
        "it on the CPU anyway."
    )


def _repo_hints(files: ModelFiles) -> list[str]:
    """Hub repo ids this model may have come from: the id itself, Fennec's model folder
    (org--name) or huggingface_hub's cache (models--org--name)."""
    hints = [files.model_id] if _HF_ID.match(files.model_id) else []
    if files.mlx_dir is not None:
        for part in reversed(files.mlx_dir.resolve().parts):
            name = part.removeprefix("models--")
            if name.count("--") == 1:
                hints.append(name.replace("--", "/"))
    return hints


def load_engine(
    files: ModelFiles,
    engine: str,
    adapter: Path | None = None,
    memory: MemoryOptions | None = None,
):
    """Construct the chosen engine (call on the model thread), with a LoRA adapter folder
    (`fennec tune`) when given: checked against this base model first. `memory`: the context,
    KV precision and prompt-cache files (defaults: automatic context, 16-bit, none)."""
    if adapter is not None:
        from inference.adapter_meta import check_adapter

        check_adapter(adapter, files)
    memory = memory or MemoryOptions()
    _check_kv_precision(files.mlx_dir if engine == "mlx" else files.gguf_file, memory.kv_bits)
    store = prompt_store(files, engine, adapter, memory)
    if engine == "mlx":
        need = check_memory(files.mlx_dir, context=memory.context, kv_bits=memory.kv_bits)
        from inference.engine_mlx import MlxEngine

        adapter_path = None if adapter is None else str(adapter)
        return MlxEngine(
            str(files.mlx_dir),
            files.model_id,
            adapter_path=adapter_path,
            context=need.context,
            kv_bits=memory.kv_bits,
            prompt_store=store,
        )
    from inference.engine_llamacpp import KV_CONTEXTS, LlamaCppEngine

    need = check_memory(
        files.gguf_file, context=memory.context, kv_bits=memory.kv_bits, copies=KV_CONTEXTS
    )
    lora = None
    if adapter is not None:  # llama.cpp reads the adapter's GGUF copy, made on first use
        from inference.adapter_llamacpp import gguf_lora_for

        lora = str(gguf_lora_for(adapter, files.gguf_file))
    return LlamaCppEngine(
        str(files.gguf_file),
        files.model_id,
        n_ctx=need.context,
        lora_path=lora,
        kv_bits=memory.kv_bits,
        prompt_store=store,
    )


def prompt_store(files: ModelFiles, engine: str, adapter: Path | None, memory: MemoryOptions):
    """Where this model's conversations' KV is saved (None: not at all). Its identity is
    everything a saved cache depends on, so another model's or setting's is never used."""
    if memory.prompt_cache_dir is None or memory.prompt_cache_bytes <= 0:
        return None
    from inference.prompt_store import PromptStore, weights_fingerprint

    path = files.mlx_dir if engine == "mlx" else files.gguf_file
    assert path is not None
    identity = {
        "model": files.model_id,
        "weights": weights_fingerprint(path),
        "engine": engine,
        "kv_bits": memory.kv_bits,
        "adapter": str(adapter) if adapter is not None else None,
    }
    suffix = ".safetensors" if engine == "mlx" else ".state"
    return PromptStore(memory.prompt_cache_dir, identity, memory.prompt_cache_bytes, suffix)


def _check_kv_precision(path: Path, kv_bits: int) -> None:
    """A KV precision the model's heads cannot hold is refused before loading, by name."""
    from inference.kv_memory import check_kv_bits, kv_group_size, model_kv_shape

    try:
        check_kv_bits(kv_bits)
        if kv_bits != 16:
            kv_group_size(model_kv_shape(path).head_dim, kv_bits)
    except ValueError as e:
        raise ModelError(str(e)) from None
