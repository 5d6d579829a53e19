"""A random-weight MoE of a real model's shape, quantised, for engine benchmarks on a GPU.

The OLMoE-1B-7B shape (hidden 2048, 16 layers, 16 heads × 128, 64 experts top-8, expert FFN
1024, vocabulary 50,304) at 4 bits is ~3.9 GB and builds in under a minute on a GPU, with no
download. The tokenizer is the tiny test one padded with placeholder tokens up to the
model's vocabulary, so every id the model can sample decodes.

    python -m inference.bench_gpu_model OUT_DIR [--small]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from inference.tiny_model import Shape, model_config, write_tokenizer_files
from inference.tiny_tokenizer import EOS_TOKEN, train_tokenizer

OLMOE_1B_7B = Shape(2048, 16, 16, 16, 128, 64, 8, 1024, 50304)
SMALL = Shape(128, 2, 4, 4, 32, 8, 2, 128, 4096)  # the same code path in seconds, for a check


def make_bench_model(out_dir: Path, shape: Shape = OLMOE_1B_7B, bits: int = 4) -> Path:
    import mlx.core as mx
    from mlx_lm.utils import _get_classes, quantize_model, save_config, save_model

    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(4096)
    missing = shape.vocab - tokenizer.get_vocab_size()
    if missing > 0:
        tokenizer.add_tokens([f"<|pad{i}|>" for i in range(missing)])
    config = model_config("olmoe", shape)
    config["vocab_size"] = tokenizer.get_vocab_size()
    config["eos_token_id"] = tokenizer.token_to_id(EOS_TOKEN)
    config["torch_dtype"] = "bfloat16"
    model_class, args_class = _get_classes(config)
    model = model_class(args_class.from_dict(config))
    model.set_dtype(mx.bfloat16)
    model, config = quantize_model(model, config, group_size=64, bits=bits)
    mx.eval(model.parameters())
    save_model(out_dir, model)
    save_config(config, out_dir / "config.json")
    write_tokenizer_files(out_dir, tokenizer, config)
    return out_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--small", action="store_true", help="a small shape, to check the code")
    args = parser.parse_args()
    print(make_bench_model(args.out, SMALL if args.small else OLMOE_1B_7B))


if __name__ == "__main__":
    main()
