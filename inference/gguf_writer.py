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
    then matches whole in a prompt, as the Hugging Face tokenizer does."""
    added = {a.content for a in tokenizer.get_added_tokens_decoder().values()}
    return [
        gguf.TokenType.CONTROL
        if t in SPECIAL_TOKENS
        else gguf.TokenType.USER_DEFINED
        if t in added
        else gguf.TokenType.NORMAL
        for t in tokens
    ]


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

    gguf_arch, moe = _GGUF_ARCH[arch]
    writer = gguf.GGUFWriter(str(path), gguf_arch)
    n_head, n_kv = config["num_attention_heads"], config["num_key_value_heads"]
    experts = config.get("num_experts") or config["num_local_experts"]
    expert_ffn = config.get("moe_intermediate_size") or config["intermediate_size"]
    writer.add_name(f"fennec-random-{arch}")
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_kv)
    writer.add_key_length(config["head_dim"])
    writer.add_value_length(config["head_dim"])
    writer.add_rope_dimension_count(config["head_dim"])
    writer.add_rope_freq_base(config["rope_theta"])
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    writer.add_expert_count(experts)
    writer.add_expert_used_count(config["num_experts_per_tok"])
    writer.add_expert_feed_forward_length(expert_ffn)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)

    vocab = tokenizer.get_vocab()
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in merges]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(_token_types(gguf, tokens, tokenizer))
    writer.add_token_merges(merges)
    writer.add_bos_token_id(vocab[BOS_TOKEN])
    writer.add_eos_token_id(vocab[EOS_TOKEN])
    writer.add_add_bos_token(False)
    writer.add_chat_template(chat_template)

    for name, array in weights.items():
        if gguf_arch == "llama" and name.endswith(("q_proj.weight", "k_proj.weight")):
            heads = n_head if name.endswith("q_proj.weight") else n_kv
            array = _llama_rope_permute(array, heads)
        writer.add_tensor(
            gguf_tensor_name(name, moe), np.ascontiguousarray(array, dtype=np.float32)
        )

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
