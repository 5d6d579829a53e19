"""Random-weight Mixture-of-Experts checkpoints, made offline for tests, demos and benchmarks.

The weights come from instantiating mlx-lm's own model class for the architecture, so the
names and shapes are exactly what the loader expects; the GGUF file is written from the
same arrays, so both engines run the same network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from inference.tiny_tokenizer import CHAT_TEMPLATE, EOS_TOKEN, train_tokenizer

ARCHS = ("qwen3_moe", "olmoe", "mixtral")
FORMATS = ("mlx", "gguf")
SIZES = ("tiny", "medium")


@dataclass(frozen=True)
class Shape:
    """The dimensions that set a model's size."""

    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    experts: int
    experts_per_token: int
    expert_ffn: int
    vocab: int


SHAPES = {
    # ~1M parameters: loads and generates in well under a second on MLX-CPU.
    "tiny": Shape(64, 2, 4, 2, 16, 8, 2, 64, 512),
    # ~150M parameters, 8 experts top-2: big enough that benchmark numbers mean something.
    "medium": Shape(768, 8, 12, 4, 64, 8, 2, 1024, 4096),
}


def model_config(arch: str, shape: Shape) -> dict:
    """The Hugging Face style config.json for an architecture at a size."""
    common = {
        "model_type": arch,
        "hidden_size": shape.hidden,
        "num_hidden_layers": shape.layers,
        "num_attention_heads": shape.heads,
        "num_key_value_heads": shape.kv_heads,
        "head_dim": shape.head_dim,
        "num_experts_per_tok": shape.experts_per_token,
        "rms_norm_eps": 1e-6,
        "vocab_size": shape.vocab,
        "rope_theta": 10000.0,
        "max_position_embeddings": 4096,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
    }
    if arch == "qwen3_moe":
        return common | {
            "architectures": ["Qwen3MoeForCausalLM"],
            "num_experts": shape.experts,
            "moe_intermediate_size": shape.expert_ffn,
            "intermediate_size": shape.expert_ffn * 2,
            "decoder_sparse_step": 1,
            "mlp_only_layers": [],
            "norm_topk_prob": True,
        }
    if arch == "olmoe":
        return common | {
            "architectures": ["OlmoeForCausalLM"],
            # OLMoE has no grouped-query attention; llama.cpp's loader assumes so.
            "num_key_value_heads": shape.heads,
            "num_experts": shape.experts,
            "intermediate_size": shape.expert_ffn,
            "norm_topk_prob": False,
        }
    if arch == "mixtral":
        return common | {
            "architectures": ["MixtralForCausalLM"],
            "num_local_experts": shape.experts,
            "intermediate_size": shape.expert_ffn,
        }
    raise ValueError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHS)}")


def random_weights(config: dict, seed: int) -> dict:
    """Instantiate mlx-lm's model for `config` and return its initial weights as numpy."""
    import mlx.core as mx
    import numpy as np
    from mlx.utils import tree_flatten
    from mlx_lm.utils import _get_classes

    mx.random.seed(seed)
    model_class, args_class = _get_classes(config)
    model = model_class(args_class.from_dict(config))
    mx.eval(model.parameters())
    rng = np.random.default_rng(seed)
    weights = {}
    for name, value in tree_flatten(model.parameters()):
        array = np.array(value.astype(mx.float32))
        if name.endswith("norm.weight"):
            # Random-ish norms keep activations varied so greedy output is not one token forever.
            array = (1.0 + 0.1 * rng.standard_normal(array.shape)).astype(np.float32)
        weights[name] = array
    return weights


def make_model(
    out_dir: Path,
    arch: str = "qwen3_moe",
    fmt: str = "mlx",
    size: str = "tiny",
    seed: int = 0,
    vocab: str = "test",
) -> Path:
    """Write a random-weight MoE model to `out_dir`; return the path to load.

    mlx: a folder with config.json, model.safetensors and a tokenizer.
    gguf: the same folder plus `model-f32.gguf`, whose path is returned.
    vocab: "test" (a small tokenizer trained here, ChatML template) or a real family's
    vocabulary, special tokens and chat template: "qwen3" (151,669 tokens) or "mixtral"
    (32,000); see inference.real_vocab.
    """
    if vocab != "test":
        return _make_real_vocab_model(Path(out_dir), arch, fmt, size, seed, vocab)
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHS)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    shape = SHAPES[size]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    tokenizer = train_tokenizer(shape.vocab)
    config = model_config(arch, shape)
    config["vocab_size"] = tokenizer.get_vocab_size()
    config["eos_token_id"] = tokenizer.token_to_id(EOS_TOKEN)
    weights = random_weights(config, seed)

    write_tokenizer_files(out_dir, tokenizer, config)
    (out_dir / "config.json").write_text(json.dumps(config, indent=2))

    if fmt == "mlx":
        from safetensors.numpy import save_file

        save_file(weights, str(out_dir / "model.safetensors"), metadata={"format": "mlx"})
        return out_dir

    from inference.gguf_writer import write_gguf

    gguf_path = out_dir / "model-f32.gguf"
    write_gguf(gguf_path, arch, config, weights, tokenizer)
    return gguf_path


def _make_real_vocab_model(
    out_dir: Path, arch: str, fmt: str, size: str, seed: int, vocab: str
) -> Path:
    """make_model with a real vocabulary: ~80 MB a format with Qwen3's (the 150K-row
    embedding and lm_head are most of it), ~17 MB with Mixtral's. The output layer is its
    own matrix, as in Qwen3-30B-A3B and Mixtral: tied to the embedding, llama.cpp's CPU
    decode runs ~15× slower here (the shared matrix misses the output layer's fast path)."""
    from dataclasses import replace

    from inference import real_vocab

    if vocab not in real_vocab.VOCABS:
        raise ValueError(
            f"unknown vocabulary {vocab!r}; choose test or one of {', '.join(real_vocab.VOCABS)}"
        )
    for value, allowed, what in ((arch, ARCHS, "architecture"), (fmt, FORMATS, "format")):
        if value not in allowed:
            raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(allowed)}")
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    real = real_vocab.build(vocab)
    config = model_config(arch, replace(SHAPES[size], vocab=real.size))
    config["bos_token_id"] = real.bos_id
    config["eos_token_id"] = real.eos_ids[0]
    weights = random_weights(config, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    real.save(out_dir)
    (out_dir / "generation_config.json").write_text(
        json.dumps({"bos_token_id": real.bos_id, "eos_token_id": real.eos_ids}, indent=2)
    )
    (out_dir / "config.json").write_text(json.dumps(config, indent=2))
    if fmt == "mlx":
        from safetensors.numpy import save_file

        save_file(weights, str(out_dir / "model.safetensors"), metadata={"format": "mlx"})
        return out_dir
    path = out_dir / "model-f32.gguf"
    _write_real_vocab_gguf(path, arch, config, weights, real.gguf, f"fennec-random-{arch}-{vocab}")
    return path


def _write_real_vocab_gguf(path: Path, arch: str, config: dict, weights: dict, vocab, name):
    import gguf
    import numpy as np

    from inference.gguf_writer import add_model_metadata, gguf_arch_of, gguf_weight

    writer = gguf.GGUFWriter(str(path), gguf_arch_of(arch))
    add_model_metadata(writer, arch, config, name, gguf.LlamaFileType.ALL_F32)
    vocab.write(writer)
    for weight, array in weights.items():
        gguf_name, array = gguf_weight(weight, array, arch, config)
        writer.add_tensor(gguf_name, np.ascontiguousarray(array, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def write_tokenizer_files(out_dir: Path, tokenizer, config: dict) -> None:
    """The tokenizer, its config with our chat template, and the generation config: what
    mlx-lm and transformers read beside the weights."""
    tokenizer.save(str(out_dir / "tokenizer.json"))
    (out_dir / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "eos_token": EOS_TOKEN,
                "pad_token": EOS_TOKEN,
                "bos_token": None,
                "chat_template": CHAT_TEMPLATE,
                "model_max_length": config["max_position_embeddings"],
            },
            indent=2,
        )
    )
    (out_dir / "generation_config.json").write_text(
        json.dumps({"eos_token_id": config["eos_token_id"]}, indent=2)
    )
