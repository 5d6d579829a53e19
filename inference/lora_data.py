"""Training data for LoRA tuning: JSONL in the formats mlx-lm accepts, checked line by line.

Each line is one example, as mlx-lm's LoRA trainer reads it:
  {"messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]}
  {"prompt": "...", "completion": "..."}
  {"text": "..."}
One file holds one format. Every malformed line is reported with its number, so a user fixes
the whole file in one go instead of one error per run.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from inference.errors import FennecError

ROLES = ("system", "user", "assistant", "tool")
MAX_REPORTED = 10  # errors shown before "and N more"


class DataError(FennecError):
    """The training data cannot be used; the message names the file and the lines."""


@dataclass(frozen=True)
class TuneData:
    """Examples split for training and validation, in one of mlx-lm's formats."""

    kind: str  # "chat", "completions" or "text"
    train: list[dict]
    valid: list[dict]


def _line_error(example: object) -> tuple[str | None, str | None]:
    """(format, None) for a good example, (None, what is wrong) for a bad one."""
    if not isinstance(example, dict):
        return None, f"expected a JSON object, got {type(example).__name__}"
    if "messages" in example:
        messages = example["messages"]
        if not isinstance(messages, list) or not messages:
            return None, '"messages" must be a non-empty list'
        for i, m in enumerate(messages):
            if not isinstance(m, dict):
                return None, f"message {i + 1} is not an object"
            if m.get("role") not in ROLES:
                return None, f"message {i + 1} has role {m.get('role')!r}; use {', '.join(ROLES)}"
            if not isinstance(m.get("content"), str):
                return None, f'message {i + 1} has no text "content"'
        if messages[-1]["role"] != "assistant":
            return None, "the last message must be the assistant's answer (what is learned)"
        return "chat", None
    if "prompt" in example or "completion" in example:
        if not isinstance(example.get("prompt"), str) or not isinstance(
            example.get("completion"), str
        ):
            return None, '"prompt" and "completion" must both be strings'
        return "completions", None
    if "text" in example:
        if not isinstance(example["text"], str) or not example["text"]:
            return None, '"text" must be a non-empty string'
        return "text", None
    return None, 'no "messages", "prompt"/"completion" or "text" key'


def read_examples(path: Path) -> tuple[str, list[dict]]:
    """Parse and check every line; raise DataError listing the bad ones by line number."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"no training data at {path}") from None
    except UnicodeDecodeError as e:
        raise DataError(f"{path} is not UTF-8 text ({e})") from None
    examples: list[dict] = []
    errors: list[str] = []
    kinds: dict[str, int] = {}  # format -> first line using it
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue  # blank lines (a trailing newline, spacing) are harmless
        try:
            example = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"line {number}: not valid JSON ({e.msg} at column {e.colno})")
            continue
        kind, problem = _line_error(example)
        if problem:
            errors.append(f"line {number}: {problem}")
            continue
        kinds.setdefault(kind, number)
        examples.append(example)
    if len(kinds) > 1:
        firsts = ", ".join(
            f"{k} from line {n}" for k, n in sorted(kinds.items(), key=lambda x: x[1])
        )
        errors.append(f"mixed formats ({firsts}); one file holds one format")
    if errors:
        shown = errors[:MAX_REPORTED]
        more = len(errors) - len(shown)
        tail = f"\n  … and {more} more" if more else ""
        raise DataError(f"{path} has {len(errors)} bad line(s):\n  " + "\n  ".join(shown) + tail)
    if not examples:
        raise DataError(f"{path} holds no examples")
    return next(iter(kinds)), examples


def load_tune_data(
    path: Path, valid_path: Path | None = None, valid_fraction: float = 0.1, seed: int = 0
) -> TuneData:
    """The examples of `path`, with a validation split: `valid_path` when given, else a
    seeded random `valid_fraction` of the examples (at least one, and one left to train on)."""
    kind, examples = read_examples(path)
    if valid_path is not None:
        valid_kind, valid = read_examples(valid_path)
        if valid_kind != kind:
            raise DataError(f"{valid_path} is {valid_kind} data but {path} is {kind} data")
        return TuneData(kind, examples, valid)
    if len(examples) < 2:
        raise DataError(f"{path} has one example; training and validation need two at least")
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    n_valid = min(len(examples) - 1, max(1, round(len(examples) * valid_fraction)))
    valid_idx = set(order[:n_valid])
    train = [e for i, e in enumerate(examples) if i not in valid_idx]
    valid = [e for i, e in enumerate(examples) if i in valid_idx]
    return TuneData(kind, train, valid)


def mlx_datasets(data: TuneData, tokenizer) -> tuple[object, object]:
    """mlx-lm dataset objects for the split; prompts are masked so only answers are learned."""
    from mlx_lm.tuner.datasets import CacheDataset, ChatDataset, CompletionsDataset, TextDataset

    def build(examples: list[dict]):
        if data.kind == "chat":
            return CacheDataset(ChatDataset(examples, tokenizer, mask_prompt=True))
        if data.kind == "completions":
            return CacheDataset(
                CompletionsDataset(examples, tokenizer, "prompt", "completion", mask_prompt=True)
            )
        return CacheDataset(TextDataset(examples, tokenizer))

    return build(data.train), build(data.valid)
