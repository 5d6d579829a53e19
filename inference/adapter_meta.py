"""A LoRA adapter as a first-class object: its folder, what it was trained on, and which base
model it belongs to.

An adapter folder holds mlx-lm's files (adapter_config.json, adapters.safetensors), Fennec's
`fennec_adapter.json` (base model id, base fingerprints, settings, loss curves) and, once a
llama.cpp engine has asked for it, `adapter-lora.gguf`. An adapter is refused for any model
whose fingerprint it does not carry: LoRA deltas on another network are noise, not an error.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from inference.errors import ModelError
from inference.model_source import ModelFiles

META_FILE = "fennec_adapter.json"
GGUF_FILE = "adapter-lora.gguf"
_SAMPLE = 64 * 1024
_SAMPLES = 8  # evenly spread reads: weights differ everywhere, so a few windows tell them apart


@dataclass
class AdapterMeta:
    name: str
    base_model: str  # the model id it was trained on, for people
    base_fingerprints: list[str]  # for the check: one per format of the base (MLX, GGUF)
    architecture: str
    rank: int
    alpha: float
    dropout: float
    targets: list[str]
    iterations: int = 0
    total_iterations: int = 0
    examples: int = 0
    data_file: str = ""
    train_losses: list[list[float]] = field(default_factory=list)
    val_losses: list[list[float]] = field(default_factory=list)
    tokens_per_s: float = 0.0
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def _file_digest(path: Path) -> str:
    """Hash of a weights file's size and sampled windows: seconds for gigabytes, and two
    checkpoints of one architecture (same header) still differ."""
    size = path.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with path.open("rb") as f:
        step = max(1, size // _SAMPLES)
        for offset in [0, *range(step, size, step), max(0, size - _SAMPLE)]:
            f.seek(offset)
            h.update(f.read(_SAMPLE))
    return h.hexdigest()


def mlx_fingerprint(folder: Path) -> str:
    """The config (canonical JSON) and every safetensors file of an MLX model folder."""
    config = json.loads((folder / "config.json").read_text())
    h = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for weights in sorted(folder.glob("*.safetensors")):
        h.update(weights.name.encode())
        h.update(_file_digest(weights).encode())
    return "mlx:" + h.hexdigest()[:24]


def gguf_fingerprint(path: Path) -> str:
    return "gguf:" + _file_digest(path)[:24]


def model_fingerprints(files: ModelFiles) -> list[str]:
    """One fingerprint per format the model offers: an adapter trained on the MLX weights also
    belongs to the GGUF file shipped beside them (the same network)."""
    found = []
    if files.mlx_dir is not None:
        found.append(mlx_fingerprint(files.mlx_dir))
    if files.gguf_file is not None:
        found.append(gguf_fingerprint(files.gguf_file))
    return found


def write_meta(folder: Path, meta: AdapterMeta) -> None:
    (folder / META_FILE).write_text(json.dumps(asdict(meta), indent=2))


def read_meta(folder: Path) -> AdapterMeta:
    """The adapter's metadata; ModelError naming the folder when it is not an adapter."""
    folder = Path(folder)
    meta_file = folder / META_FILE
    if not meta_file.exists():
        what = "does not exist" if not folder.exists() else f"has no {META_FILE}"
        raise ModelError(f"{folder} is not a Fennec adapter: it {what}")
    try:
        return AdapterMeta(**json.loads(meta_file.read_text()))
    except (json.JSONDecodeError, TypeError) as e:
        raise ModelError(f"{meta_file} is damaged ({e})") from None


def check_adapter(folder: Path, files: ModelFiles) -> AdapterMeta:
    """The adapter's metadata if it was trained on this model; else a ModelError that says
    which base it needs."""
    meta = read_meta(folder)
    if not (folder / "adapters.safetensors").exists():
        raise ModelError(f"adapter {meta.name} has no weights (adapters.safetensors)")
    if not set(meta.base_fingerprints) & set(model_fingerprints(files)):
        raise ModelError(
            f"adapter {meta.name!r} was trained for base model {meta.base_model!r}, "
            f"not for {files.model_id!r}: an adapter only works on the weights it was "
            "trained on. Load it with that model, or tune a new one for this model."
        )
    return meta
