"""Tuning data: every malformed line named by its number; the validation split."""

from __future__ import annotations

import json

import pytest

from inference.lora_data import DataError, load_tune_data, read_examples


def _chat(q: str, a: str) -> dict:
    return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}


def _write(path, lines: list) -> None:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")


def test_every_bad_line_is_reported_with_its_number(tmp_path):
    data = tmp_path / "data.jsonl"
    _write(
        data,
        [
            _chat("q", "a"),
            "{not json",
            {"messages": [{"role": "user", "content": "no answer"}]},
            {
                "messages": [
                    {"role": "robot", "content": "x"},
                    {"role": "assistant", "content": "y"},
                ]
            },
            "",
            {"prompt": "p", "completion": 3},
            ["a list"],
            {"other": 1},
        ],
    )
    with pytest.raises(DataError) as caught:
        read_examples(data)
    message = str(caught.value)
    assert "6 bad line(s)" in message
    assert "line 2: not valid JSON" in message
    assert "line 3: the last message must be the assistant's answer" in message
    assert "line 4: message 1 has role 'robot'" in message
    assert "line 6:" in message and "line 7: expected a JSON object" in message
    assert 'line 8: no "messages"' in message
    assert "line 1:" not in message and "line 5:" not in message  # good and blank lines


def test_mixed_formats_are_refused(tmp_path):
    data = tmp_path / "data.jsonl"
    _write(data, [_chat("q", "a"), {"prompt": "p", "completion": "c"}])
    with pytest.raises(DataError, match="mixed formats .chat from line 1, completions from line 2"):
        read_examples(data)


def test_missing_and_empty_files_say_so(tmp_path):
    with pytest.raises(DataError, match="no training data at"):
        read_examples(tmp_path / "absent.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n\n")
    with pytest.raises(DataError, match="holds no examples"):
        read_examples(tmp_path / "empty.jsonl")


def test_split_is_seeded_disjoint_and_keeps_both_sides(tmp_path):
    data = tmp_path / "data.jsonl"
    examples = [_chat(f"question {i}", f"answer {i}") for i in range(20)]
    _write(data, examples)
    split = load_tune_data(data, valid_fraction=0.2, seed=3)
    assert split.kind == "chat"
    assert len(split.valid) == 4 and len(split.train) == 16
    assert sorted(map(json.dumps, split.train + split.valid)) == sorted(map(json.dumps, examples))
    assert load_tune_data(data, valid_fraction=0.2, seed=3) == split
    assert load_tune_data(data, valid_fraction=0.2, seed=4) != split

    two = tmp_path / "two.jsonl"
    _write(two, examples[:2])
    tiny = load_tune_data(two, valid_fraction=0.9)
    assert len(tiny.train) == 1 and len(tiny.valid) == 1


def test_a_separate_validation_file_must_match_the_format(tmp_path):
    data, valid = tmp_path / "train.jsonl", tmp_path / "valid.jsonl"
    _write(data, [_chat("q", "a")])
    _write(valid, [{"text": "plain"}])
    with pytest.raises(DataError, match="is text data but .* is chat data"):
        load_tune_data(data, valid)
    _write(valid, [_chat("v", "w")])
    split = load_tune_data(data, valid)
    assert split.train == [_chat("q", "a")] and split.valid == [_chat("v", "w")]
