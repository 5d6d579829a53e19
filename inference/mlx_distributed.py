"""Several Macs as one: a model too large for one machine, sharded across processes with
MLX's own distributed mode (`mlx.launch`, ring backend over TCP) and mlx-lm's sharded loading.

Run under the launcher, one process per machine (or several on one, for a test):

    mlx.launch --backend ring -n 2 -- python -m inference.mlx_distributed --model DIR "hi"
    mlx.launch --backend ring --hosts mac1,mac2 --cwd /path/to/fennec -- \
        python -m inference.mlx_distributed --model DIR "hi"

Tensor parallel (`model.shard`): every rank holds a slice of each layer's weights and the
ranks sum partial results each layer, so each Mac needs only its share of the memory. Rank 0
prints the answer as one JSON line; alone (no launcher) the same code runs unsharded, which
is the reference a sharded run must match token for token when greedy.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ShardedAnswer:
    ranks: int
    parameters: int  # weights this rank holds: about 1/ranks of the sharded layers' share
    tokens: list[int]
    text: str
    seconds: float


def generate_sharded(model_dir: str, prompt: str, max_tokens: int) -> ShardedAnswer | None:
    """Greedy answer from all ranks together; returned on rank 0, None on the others."""
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.generate import generate_step
    from mlx_lm.utils import sharded_load

    group = mx.distributed.init()
    started = time.perf_counter()
    if group.size() > 1:
        model, tokenizer = sharded_load(model_dir, tensor_group=group)
    else:
        from mlx_lm import load

        model, tokenizer = load(model_dir)
    if mx.default_device() == mx.cpu:
        model.set_dtype(mx.float32)  # MLX-CPU's MoE matmul is float32-only (engine_mlx.py)
    messages = [{"role": "user", "content": prompt}]
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True)
    tokens: list[int] = []
    for token, _ in generate_step(mx.array(ids), model, max_tokens=max_tokens):
        token = int(token)
        if token in tokenizer.eos_token_ids:
            break
        tokens.append(token)
    if group.rank() != 0:
        return None
    held = sum(v.size for _, v in tree_flatten(model.parameters()))
    text = tokenizer.decode(tokens)
    seconds = round(time.perf_counter() - started, 3)
    return ShardedAnswer(group.size(), held, tokens, text, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inference.mlx_distributed")
    parser.add_argument("prompt")
    parser.add_argument("--model", required=True, help="an MLX model folder (same on every host)")
    parser.add_argument("--max-tokens", type=int, default=32)
    args = parser.parse_args(argv)
    answer = generate_sharded(args.model, args.prompt, args.max_tokens)
    if answer is not None:
        print(json.dumps(asdict(answer)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
