"""A test-only model that speaks in gpt-oss's harmony markers: the tiny random qwen3_moe with
`<|start|>`, `<|channel|>`, `<|message|>`, `<|end|>`, `<|return|>` (its end of turn) and
`<|call|>` as special tokens, and a template whose generation prompt opens the analysis
channel, as gpt-oss's does when it starts a reasoning message. (The real gpt-oss template
and vocabulary are the template tests' business; this one is about the split on real output.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from inference.reasoning_split import Split

MARKERS = ["<|start|>", "<|channel|>", "<|message|>", "<|end|>", "<|return|>", "<|call|>"]
OPENED = "<|start|>assistant<|channel|>analysis<|message|>"
HARMONY_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|start|>' + message['role'] + '<|message|>' + message['content'] + '<|end|>' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '" + OPENED + "' }}{% endif %}"
)


def make_harmony_model(folder: Path, seed: int = 0) -> Path:
    """Write the model (MLX weights, model-f32.gguf, tokenizer, template) into `folder`."""
    import gguf
    import numpy as np
    from safetensors.numpy import save_file
    from tokenizers import AddedToken

    from inference.gguf_writer import add_model_metadata, add_tokenizer, gguf_arch_of, gguf_weight
    from inference.tiny_model import SHAPES, model_config, random_weights, write_tokenizer_files
    from inference.tiny_tokenizer import BOS_TOKEN, train_tokenizer

    shape = SHAPES["tiny"]
    tokenizer = train_tokenizer(shape.vocab - len(MARKERS))
    tokenizer.add_special_tokens([AddedToken(m, special=True, normalized=False) for m in MARKERS])
    config = model_config("qwen3_moe", shape)
    config["vocab_size"] = tokenizer.get_vocab_size()
    config["eos_token_id"] = tokenizer.token_to_id("<|return|>")
    weights = random_weights(config, seed)
    folder.mkdir(parents=True, exist_ok=True)
    write_tokenizer_files(folder, tokenizer, config)
    settings_file = folder / "tokenizer_config.json"
    settings = json.loads(settings_file.read_text())
    settings |= {"chat_template": HARMONY_TEMPLATE, "eos_token": "<|return|>"}
    settings_file.write_text(json.dumps(settings))
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "mlx"})
    writer = gguf.GGUFWriter(str(folder / "model-f32.gguf"), gguf_arch_of("qwen3_moe"))
    add_model_metadata(writer, "qwen3_moe", config, "harmony-test", gguf.LlamaFileType.ALL_F32)
    add_tokenizer(writer, tokenizer, HARMONY_TEMPLATE, BOS_TOKEN, "<|return|>")
    for name, array in weights.items():
        name, array = gguf_weight(name, array, "qwen3_moe", config)
        writer.add_tensor(name, np.ascontiguousarray(array, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return folder


def marker_ids(folder: Path) -> dict[str, int]:
    added = json.loads((folder / "tokenizer.json").read_text())["added_tokens"]
    return {a["content"]: a["id"] for a in added if a["content"] in MARKERS}


_MESSAGE = re.compile(
    r"(.*?)<\|message\|>(.*?)(?:<\|end\|>|<\|return\|>|<\|call\|>|(?=<\|start\|>|<\|channel\|>)|\Z)",
    re.S,
)


def harmony_reference(text: str) -> Split:
    """The harmony split of a whole text, read by a regular expression: each header up to
    `<|message|>`, its body up to an end marker or the next header; the last `<|channel|>`
    of a header names its channel; text that does not begin like a header is all answer."""
    if not text.lstrip().startswith(("<|channel|>", "<|start|>")):
        return Split(content=text)
    out = Split()
    for header, body in _MESSAGE.findall(text):
        channels = re.findall(r"<\|channel\|>\s*([^\s<]*)", header)
        analysis = bool(channels) and channels[-1] == "analysis"
        out += Split(reasoning=body) if analysis else Split(content=body)
    return out
