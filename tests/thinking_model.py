"""A test-only reasoning model: the tiny random qwen3_moe with `<think>` and `</think>` as
tokens of their own and a Qwen3-Thinking-style template that opens the answer's reasoning
block itself (closed and empty when `enable_thinking` is false, as Qwen3's does).

Both formats of the same network in one folder, so the worker runs it on either engine.
"""

from __future__ import annotations

import json
from pathlib import Path

THINK_TEMPLATE = (
    "{% for message in messages %}"
    "{% set content = message['content'] %}"
    "{% if message['role'] == 'assistant' %}"
    "{% set content = content.split('</think>')[-1].lstrip('\\n') %}"
    "{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + content + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% if enable_thinking is defined and enable_thinking is false %}"
    "{{ '<think>\\n\\n</think>\\n\\n' }}"
    "{% else %}{{ '<think>\\n' }}{% endif %}"
    "{% endif %}"
)


def make_thinking_model(folder: Path, seed: int = 0) -> Path:
    """Write the model (MLX weights, model-f32.gguf, tokenizer, template) into `folder`."""
    from safetensors.numpy import save_file
    from tokenizers import AddedToken

    from inference.gguf_writer import write_gguf
    from inference.tiny_model import SHAPES, model_config, random_weights, write_tokenizer_files
    from inference.tiny_tokenizer import EOS_TOKEN, train_tokenizer

    shape = SHAPES["tiny"]
    tokenizer = train_tokenizer(shape.vocab - 2)
    tokenizer.add_tokens(
        [AddedToken(tag, special=False, normalized=False) for tag in ("<think>", "</think>")]
    )
    config = model_config("qwen3_moe", shape)
    config["vocab_size"] = tokenizer.get_vocab_size()
    config["eos_token_id"] = tokenizer.token_to_id(EOS_TOKEN)
    weights = random_weights(config, seed)
    folder.mkdir(parents=True, exist_ok=True)
    write_tokenizer_files(folder, tokenizer, config)
    tokenizer_config = folder / "tokenizer_config.json"
    settings = json.loads(tokenizer_config.read_text())
    tokenizer_config.write_text(json.dumps(settings | {"chat_template": THINK_TEMPLATE}))
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "mlx"})
    write_gguf(folder / "model-f32.gguf", "qwen3_moe", config, weights, tokenizer, THINK_TEMPLATE)
    return folder


def think_token_ids(folder: Path) -> tuple[int, int]:
    """The ids of `<think>` and `</think>` in the model's vocabulary."""
    added = json.loads((folder / "tokenizer.json").read_text())["added_tokens"]
    ids = {a["content"]: a["id"] for a in added}
    return ids["<think>"], ids["</think>"]
