"""Convert a local Hugging Face safetensors folder to MLX 4- or 8-bit with mlx-lm's own
converter (`mlx_lm.convert`). GGUF (llama.cpp's quantiser): inference/gguf_convert.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from inference.errors import ModelError
from inference.model_source import check_mlx_folder


def convert_to_mlx(src: Path, dest: Path, bits: int) -> Path:
    """Quantise `src` into a new folder `dest` (affine, mlx-lm's default group size)."""
    if bits not in (4, 8):
        raise ModelError(f"MLX quantisation is 4- or 8-bit, not {bits}-bit")
    check_mlx_folder(src)  # config, weights and tokenizer present before minutes of work
    if dest.exists():
        raise ModelError(f"{dest} already exists; remove it or choose another --out")
    model_type = json.loads((src / "config.json").read_text()).get("model_type", "?")
    try:
        from mlx_lm import convert
    except ImportError:
        raise ModelError("mlx-lm is not installed, so Fennec cannot convert to MLX") from None
    try:
        convert(str(src), str(dest), quantize=True, q_bits=bits)
    except ValueError as e:
        shutil.rmtree(dest, ignore_errors=True)
        if "not supported" in str(e).lower():
            raise ModelError(
                f"mlx-lm cannot convert {src.name}: it does not know the {model_type!r} "
                "architecture"
            ) from None
        raise ModelError(f"could not convert {src.name}: {e}") from None
    except (OSError, KeyError) as e:
        shutil.rmtree(dest, ignore_errors=True)
        raise ModelError(f"could not convert {src.name}: {e}") from None
    return dest
