"""Write an mlx-lm-named MoE checkpoint as a GGUF file that llama.cpp loads.

llama.cpp's own HF→GGUF converter is not in any wheel (it lives in the llama.cpp source and
needs torch), so the `gguf` package writes the file directly from the same arrays.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from inference.tiny_tokenizer import BOS_TOKEN, CHAT_TEMPLATE, EOS_TOKEN, SPECIAL_TOKENS

# mlx-lm arch name -> (GGUF arch, the MoE block's attribute name in mlx-lm)
_GGUF_ARCH = {
    "qwen3_moe": ("qwen3moe", "mlp"),
    "olmoe": ("olmoe", "mlp"),
    "mixtral": ("llama", "block_sparse_moe"),
}

_LAYER_NAMES = {
    "input_layernorm.weight": "attn_norm.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight",
    "self_attn.q_norm.weight": "attn_q_norm.weight",
    "self_attn.k_norm.weight": "attn_k_norm.weight",
    "{moe}.gate.weight": "ffn_gate_inp.weight",
    "{moe}.switch_mlp.gate_proj.weight": "ffn_gate_exps.weight",
    "{moe}.switch_mlp.up_proj.weight": "ffn_up_exps.weight",
    "{moe}.switch_mlp.down_proj.weight": "ffn_down_exps.weight",
}
_TOP_NAMES = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
}


def _llama_rope_permute(w: np.ndarray, n_head: int) -> np.ndarray:
    # llama.cpp's "llama" arch rotates interleaved pairs; HF/mlx rotate halves.
    out = w.shape[0]
    return w.reshape(n_head, 2, out // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def gguf_tensor_name(name: str, moe: str) -> str:
    """Map one mlx-lm weight name to its GGUF name."""
    if name in _TOP_NAMES:
        return _TOP_NAMES[name]
    prefix, _, rest = name.partition(".layers.")
    layer, _, leaf = rest.partition(".")
    for src, dst in _LAYER_NAMES.items():
        if leaf == src.format(moe=moe):
            return f"blk.{layer}.{dst}"
    raise KeyError(f"no GGUF name for weight {name!r}")


def _token_types(gguf, tokens: list[str], tokenizer: Tokenizer) -> list:
    """Control for specials; user-defined for added plain tokens (`<think>`), which llama.cpp
    then matches whole in a prompt, as the Hugging Face tokenizer does; unused for padding."""
    added = {a.content: a.special for a in tokenizer.get_added_tokens_decoder().values()}
    types = []
    for t in tokens:
        if t in SPECIAL_TOKENS or added.get(t):
            types.append(gguf.TokenType.CONTROL)
        elif t in added:
            types.append(gguf.TokenType.USER_DEFINED)
        elif t.startswith(_PAD_PREFIX) and t.endswith("]"):
            types.append(gguf.TokenType.UNUSED)
        else:
            types.append(gguf.TokenType.NORMAL)
    return types


_PAD_PREFIX = "[PAD"


def gguf_arch_of(arch: str) -> str:
    """The GGUF architecture llama.cpp knows a (supported) mlx-lm architecture by."""
    return _GGUF_ARCH[arch][0]


def add_model_metadata(writer, arch: str, config: dict, name: str, file_type: int) -> None:
    """The hyper-parameters llama.cpp reads, from a Hugging Face style config.json."""
    n_head = config["num_attention_heads"]
    head_dim = config.get("head_dim") or config["hidden_size"] // n_head
    experts = config.get("num_experts") or config["num_local_experts"]
    expert_ffn = config.get("moe_intermediate_size") or config["intermediate_size"]
    writer.add_name(name)
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config.get("intermediate_size") or expert_ffn)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(config.get("num_key_value_heads") or n_head)
    writer.add_key_length(head_dim)
    writer.add_value_length(head_dim)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(config.get("rope_theta", 10000.0))
    writer.add_layer_norm_rms_eps(config.get("rms_norm_eps", 1e-6))
    writer.add_expert_count(experts)
    writer.add_expert_used_count(config["num_experts_per_tok"])
    writer.add_expert_feed_forward_length(expert_ffn)
    writer.add_file_type(file_type)


def add_tokenizer(
    writer,
    tokenizer: Tokenizer,
    chat_template: str,
    bos: str | None,
    eos: str,
    pre: str = "gpt-2",
    vocab_size: int = 0,
) -> None:
    """A byte-level BPE tokenizer (GPT-2 style) as llama.cpp's "gpt2" model; `pre` names its
    pre-tokenizer regex; the list is padded to `vocab_size` (the embedding's rows)."""
    import gguf

    vocab = tokenizer.get_vocab(with_added_tokens=True)
    by_id = {i: t for t, i in vocab.items()}
    size = max(vocab_size, max(by_id) + 1)
    tokens = [by_id.get(i, f"{_PAD_PREFIX}{i}]") for i in range(size)]
    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in merges]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types(_token_types(gguf, tokens, tokenizer))
    writer.add_token_merges(merges)
    if bos is not None and bos in vocab:
        writer.add_bos_token_id(vocab[bos])
    writer.add_eos_token_id(vocab[eos])
    writer.add_add_bos_token(False)
    writer.add_chat_template(chat_template)


def gguf_weight(name: str, array: np.ndarray, arch: str, config: dict) -> tuple[str, np.ndarray]:
    """One weight (mlx-lm name, experts stacked) as GGUF names and lays it out."""
    gguf_arch, moe = _GGUF_ARCH[arch]
    if gguf_arch == "llama" and name.endswith(("q_proj.weight", "k_proj.weight")):
        n_head = config["num_attention_heads"]
        heads = n_head if name.endswith("q_proj.weight") else config["num_key_value_heads"]
        array = _llama_rope_permute(array, heads)
    return gguf_tensor_name(name, moe), array


def write_gguf(
    path: Path,
    arch: str,
    config: dict,
    weights: dict,
    tokenizer: Tokenizer,
    chat_template: str = CHAT_TEMPLATE,
) -> None:
    """Write `weights` (float32 numpy, mlx-lm names) and `tokenizer` to a GGUF file at `path`."""
    import gguf

    writer = gguf.GGUFWriter(str(path), gguf_arch_of(arch))
    add_model_metadata(writer, arch, config, f"fennec-random-{arch}", gguf.LlamaFileType.ALL_F32)
    add_tokenizer(writer, tokenizer, chat_template, BOS_TOKEN, EOS_TOKEN)
    for name, array in weights.items():
        gguf_name, array = gguf_weight(name, array, arch, config)
        writer.add_tensor(gguf_name, np.ascontiguousarray(array, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def gguf_name_of(name: str, arch: str) -> str:
    """The GGUF name of one mlx-lm weight of a (supported) architecture."""
    return gguf_tensor_name(name, _GGUF_ARCH[arch][1])


def gguf_architectures() -> tuple[str, ...]:
    """The mlx-lm architectures this writer knows how to lay out for llama.cpp."""
    return tuple(_GGUF_ARCH)
