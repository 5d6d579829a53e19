"""Random MoE checkpoints of a chosen shape for the KV-memory tests and `fennec bench memory`.

The tiny test model's 16-value heads are too narrow for a quantised KV cache (mlx-lm groups
and llama.cpp's q8_0/q4_0 blocks are 32 wide), and its 4K trained context is too short for a
32K-token conversation; these models differ in those two respects only, and are written by
tiny_model's own pieces (same config, weights, tokenizer and GGUF writer).
"""

from __future__ import annotations

import json
from pathlib import Path

from inference.tiny_model import Shape, model_config, random_weights, write_tokenizer_files
from inference.tiny_tokenizer import EOS_TOKEN, train_tokenizer

# Quantisable heads, otherwise as small as the tiny model: for tests.
KV_TEST_SHAPE = Shape(64, 2, 4, 2, 32, 8, 2, 64, 512)
# Small but not tiny (~27M parameters, 110 MB in float32): prefill, saved-KV loading and the
# memory an unload frees are all well above the noise, and it loads in about a second.
BENCH_SHAPE = Shape(256, 4, 4, 2, 64, 16, 2, 512, 1024)
# For the 32K-token conversation: few layers and heads, so its prefill (quadratic in length)
# takes seconds, not minutes, on two CPU cores; KV ratios do not depend on the size.
LONG_SHAPE = Shape(128, 2, 2, 1, 64, 4, 2, 128, 1024)


def make_shaped_model(
    out_dir: Path, shape: Shape, context: int = 4096, seed: int = 0, arch: str = "qwen3_moe"
) -> tuple[Path, Path]:
    """Write an MLX folder and a GGUF of the same network to `out_dir`: (folder, gguf file)."""
    from safetensors.numpy import save_file

    from inference.gguf_writer import write_gguf

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(shape.vocab)
    config = model_config(arch, shape)
    config["max_position_embeddings"] = context
    config["vocab_size"] = tokenizer.get_vocab_size()
    config["eos_token_id"] = tokenizer.token_to_id(EOS_TOKEN)
    weights = random_weights(config, seed)
    write_tokenizer_files(out_dir, tokenizer, config)
    (out_dir / "config.json").write_text(json.dumps(config, indent=2))
    save_file(weights, str(out_dir / "model.safetensors"), metadata={"format": "mlx"})
    gguf_path = out_dir / "model-f32.gguf"
    write_gguf(gguf_path, arch, config, weights, tokenizer)
    return out_dir, gguf_path
