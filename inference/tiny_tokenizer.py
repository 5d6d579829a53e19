"""A byte-level BPE tokenizer trained offline on a small built-in corpus, with ChatML specials."""

from __future__ import annotations

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

BOS_TOKEN = "<|endoftext|>"
EOS_TOKEN = "<|im_end|>"
SPECIAL_TOKENS = [BOS_TOKEN, "<|im_start|>", EOS_TOKEN]

# ChatML, the format Qwen and many MoE chat models use.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# Mixed English, code and CJK so merges cover what the tests type.
_CORPUS = [
    "The fennec fox sheds desert heat through its large ears and stays cool at night.",
    "Hello! How can I help you today? Please explain how a mixture of experts works.",
    "A laptop that stays under fifty-five degrees is quiet, and the fan never spins up.",
    "def add(a, b):\n    return a + b\n\nprint(add(2, 3))\n",
    "system user assistant message content role answer question thermal power watts",
    "快速的棕色狐狸跳过了懒狗。今天天气很好，我们去公园散步吧。",
    "こんにちは、世界。東京は日本の首都です。ありがとうございます。",
    "안녕하세요. 오늘 날씨가 좋네요. 감사합니다.",
    "Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000; symbols: ( ) [ ] { } < > = + - * / # @ !",
]


def train_tokenizer(vocab_size: int) -> Tokenizer:
    """Train a byte-level BPE (GPT-2 style pre-tokenization) of at most `vocab_size` tokens."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_CORPUS * 20, trainer=trainer)
    return tokenizer
