"""An MLX LoRA adapter rewritten as a GGUF LoRA, the format llama.cpp's LoRA support loads.

llama.cpp finds each adapter pair by its base tensor's name plus `.lora_a` / `.lora_b`; a pair
holds A as (rank, in) and B as (out, rank) in numpy order, the transposes of mlx-lm's layout,
and scales B·A by alpha / rank. mlx-lm scales by its own `scale`, so alpha = scale · rank.
The metadata says general.type = adapter, adapter.type = lora, and the base architecture.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from inference.errors import ModelError

# mlx-lm attention projections -> llama.cpp's tensor names in a block.
_ATTENTION = {
    "q_proj": "attn_q",
    "k_proj": "attn_k",
    "v_proj": "attn_v",
    "o_proj": "attn_output",
}
_MLX_NAME = re.compile(r"^model\.layers\.(\d+)\.self_attn\.(\w+)\.(lora_a|lora_b)$")


def _rope_permute(w: np.ndarray, n_head: int) -> np.ndarray:
    # llama.cpp's "llama" arch stores q/k rows reordered for its rope (pairs, not halves);
    # the permutation acts on output rows, so it applies to B alone: P(W + BA) = PW + (PB)A.
    out = w.shape[0]
    return w.reshape(n_head, 2, out // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _base_info(base_gguf: Path) -> tuple[str, set[str], dict[str, int]]:
    from gguf import GGUFReader

    reader = GGUFReader(str(base_gguf))
    arch = reader.fields["general.architecture"].contents()
    names = {t.name for t in reader.tensors}
    heads = {}
    for key, short in (("attention.head_count", "q"), ("attention.head_count_kv", "k")):
        field = reader.fields.get(f"{arch}.{key}")
        if field is not None:
            heads[short] = int(field.contents())
    return arch, names, heads


def convert_adapter(adapter_dir: Path, base_gguf: Path, out_file: Path) -> Path:
    """Write `out_file`, the GGUF LoRA of the mlx-lm adapter in `adapter_dir`, for the base
    model `base_gguf`. ModelError when a trained layer has no counterpart in the base."""
    import gguf
    from safetensors.numpy import load_file

    config = json.loads((adapter_dir / "adapter_config.json").read_text())
    params = config["lora_parameters"]
    rank, scale = int(params["rank"]), float(params["scale"])
    arch, base_names, heads = _base_info(base_gguf)
    weights = load_file(str(adapter_dir / "adapters.safetensors"))

    tensors: dict[str, np.ndarray] = {}
    for name, array in sorted(weights.items()):
        match = _MLX_NAME.match(name)
        if match is None or match.group(2) not in _ATTENTION:
            raise ModelError(
                f"adapter tensor {name} cannot go to llama.cpp: only attention projections "
                f"({', '.join(_ATTENTION)}) are converted"
            )
        layer, proj, part = match.groups()
        base = f"blk.{layer}.{_ATTENTION[proj]}.weight"
        if base not in base_names:
            raise ModelError(f"{base_gguf.name} has no tensor {base} for adapter tensor {name}")
        matrix = np.ascontiguousarray(array.astype(np.float32).T)  # mlx: x @ A @ B
        if part == "lora_b" and arch == "llama" and proj in ("q_proj", "k_proj"):
            matrix = np.ascontiguousarray(_rope_permute(matrix, heads[proj[0]]))
        tensors[f"{base}.{part}"] = matrix

    out_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_file.with_name(out_file.name + ".tmp")
    writer = gguf.GGUFWriter(str(tmp), arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, scale * rank)
    for name, matrix in tensors.items():
        writer.add_tensor(name, matrix)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(out_file)
    return out_file
