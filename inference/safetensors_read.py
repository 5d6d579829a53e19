"""Read a Hugging Face safetensors checkpoint one weight at a time, as mlx-lm names it.

Weights are memory-mapped, so a 30B model converts without 60 GB of RAM. bfloat16 (how most
checkpoints ship) is widened here because numpy has no such type. Per-expert weights
(`…mlp.experts.3.gate_proj.weight`, Mixtral's `…experts.3.w1.weight`) are stacked into
mlx-lm's `switch_mlp` tensors, so one name map (inference/gguf_writer.py) serves both the
tiny models, written with mlx-lm names, and real checkpoints.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.errors import ModelError

INDEX_FILE = "model.safetensors.index.json"
_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16}
# Mixtral's expert matrices by their old names.
_MIXTRAL_PROJ = {"w1": "gate_proj", "w2": "down_proj", "w3": "up_proj"}
_EXPERT = re.compile(
    r"^(?P<layer>.+\.layers\.\d+)\.(?P<moe>mlp|block_sparse_moe)\.experts\.(?P<e>\d+)\."
    r"(?P<proj>gate_proj|up_proj|down_proj|w1|w2|w3)\.weight$"
)
# Buffers some checkpoints carry that are recomputed at load time.
_SKIPPED = re.compile(r"rotary_emb\.inv_freq$")


@dataclass(frozen=True)
class _Entry:
    shard: Path
    dtype: str
    shape: tuple[int, ...]
    start: int  # byte offset of the data in the file
    end: int


def _read_header(shard: Path) -> dict[str, _Entry]:
    try:
        with shard.open("rb") as f:
            (size,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(size))
    except (OSError, struct.error, ValueError) as e:
        raise ModelError(f"{shard.name} is not a readable safetensors file ({e})") from None
    base = 8 + size
    entries = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        entries[name] = _Entry(shard, info["dtype"], tuple(info["shape"]), base + start, base + end)
    if entries and max(e.end for e in entries.values()) > shard.stat().st_size:
        raise ModelError(f"{shard.name} is truncated (an interrupted download?)")
    return entries


def _load(entry: _Entry) -> np.ndarray:
    if entry.dtype not in _DTYPES:
        raise ModelError(
            f"{entry.shard.name}: weights of type {entry.dtype} cannot be converted "
            "(F32, F16 or BF16 only; is this folder already quantised?)"
        )
    raw = np.memmap(
        entry.shard, dtype=_DTYPES[entry.dtype], mode="r", offset=entry.start, shape=entry.shape
    )
    if entry.dtype == "BF16":  # the top half of a float32
        return (raw.astype(np.uint32) << 16).view(np.float32)
    return raw


def shard_files(folder: Path) -> list[Path]:
    """The checkpoint's files: those the index names (each must be there), or the lone one."""
    index = folder / INDEX_FILE
    if index.exists():
        try:
            weight_map = json.loads(index.read_text())["weight_map"]
        except (ValueError, KeyError, TypeError) as e:
            raise ModelError(f"{index} is not a valid safetensors index ({e})") from None
        names = sorted(set(weight_map.values()))
        missing = [n for n in names if not (folder / n).exists()]
        if missing:
            raise ModelError(
                f"{folder} is incomplete: {len(missing)} of {len(names)} weight files are "
                f"missing ({', '.join(missing[:3])}{' …' if len(missing) > 3 else ''})"
            )
        return [folder / n for n in names]
    shards = sorted(folder.glob("*.safetensors"))
    if not shards:
        raise ModelError(f"{folder} has no weights (*.safetensors)")
    return shards


@dataclass(frozen=True)
class Weight:
    """One mlx-lm-named weight and how to read it (stacking experts when there are several)."""

    name: str
    shape: tuple[int, ...]
    parts: tuple[_Entry, ...]

    def load(self) -> np.ndarray:
        if len(self.parts) == 1:
            return _load(self.parts[0])
        return np.stack([_load(p) for p in self.parts])

    @property
    def elements(self) -> int:
        return int(np.prod(self.shape))


def plan_weights(shards: list[Path]) -> list[Weight]:
    """Every weight of the checkpoint under its mlx-lm name, in a stable order."""
    entries: dict[str, _Entry] = {}
    for shard in shards:
        entries |= _read_header(shard)
    if any(name.endswith((".scales", ".biases")) for name in entries):
        raise ModelError(
            "this folder holds an already quantised MLX model; convert from the "
            "full-precision (float16/bfloat16) one"
        )
    plain: dict[str, _Entry] = {}
    experts: dict[str, dict[int, _Entry]] = {}
    for name, entry in entries.items():
        if _SKIPPED.search(name):
            continue
        m = _EXPERT.match(name)
        if m is None:
            plain[name] = entry
            continue
        proj = _MIXTRAL_PROJ.get(m["proj"], m["proj"])
        stacked = f"{m['layer']}.{m['moe']}.switch_mlp.{proj}.weight"
        experts.setdefault(stacked, {})[int(m["e"])] = entry
    weights = [Weight(n, e.shape, (e,)) for n, e in plain.items()]
    for name, by_index in experts.items():
        count = max(by_index) + 1
        if sorted(by_index) != list(range(count)):
            raise ModelError(f"{name}: experts are missing from the checkpoint")
        parts = tuple(by_index[i] for i in range(count))
        weights.append(Weight(name, (count, *parts[0].shape), parts))
    return sorted(weights, key=lambda w: _order(w.name))


def _order(name: str) -> tuple[int, str]:
    layer = re.search(r"\.layers\.(\d+)\.", name)
    return (int(layer.group(1)) if layer else -1, name)
