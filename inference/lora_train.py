"""LoRA training on mlx-lm's own trainer, with Fennec's progress, pacing, stop and resume.

mlx-lm's `train()` is used as it is; Fennec hooks in through the two seams it offers: the
batch iterator (runs between optimiser steps: pacing, stop, checkpoints) and the training
callback (loss, validation loss, tokens/s). A stop ends the batch stream, so mlx-lm's own
final save runs; a checkpoint records the step, so a later run resumes from it.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from inference.lora_data import TuneData, mlx_datasets
from inference.lora_pacing import TrainingPacer

ADAPTER_WEIGHTS = "adapters.safetensors"  # mlx-lm's names: mlx_lm.load(adapter_path=) reads them
ADAPTER_CONFIG = "adapter_config.json"
CHECKPOINT = "checkpoint.json"  # Fennec's: the step reached and the curves so far
OPTIMIZER_STATE = "optimizer.safetensors"


@dataclass(frozen=True)
class LoraSettings:
    """The adapter's shape. mlx-lm multiplies by `scale`; alpha/rank is the usual convention."""

    rank: int = 16
    alpha: float = 32.0
    dropout: float = 0.1
    targets: tuple[str, ...] = ("q_proj", "v_proj")

    @property
    def scale(self) -> float:
        return self.alpha / self.rank


@dataclass(frozen=True)
class TrainOptions:
    iters: int = 200
    batch_size: int = 4
    learning_rate: float = 1e-4
    eval_every: int = 50
    save_every: int = 50
    max_seq_length: int = 2048
    seed: int = 0


@dataclass(frozen=True)
class TuneProgress:
    """One line of progress: sent after every step and every validation."""

    iteration: int
    total: int
    train_loss: float | None = None
    val_loss: float | None = None
    tokens_per_s: float = 0.0  # while computing (pacing excluded): the machine's speed
    eta_s: float | None = None  # wall time left, pacing included
    paced_s: float = 0.0


@dataclass
class TuneResult:
    iteration: int
    total: int
    stopped: bool
    train_losses: list[tuple[int, float]] = field(default_factory=list)
    val_losses: list[tuple[int, float]] = field(default_factory=list)
    tokens_per_s: float = 0.0  # mean over the steps of this run, pacing excluded


def lora_keys(model, targets: tuple[str, ...]) -> list[str]:
    """Module paths inside a transformer block that end in one of the target names."""
    names = [name for name, _ in model.layers[0].named_modules()]
    keys = sorted(n for n in names if n.split(".")[-1] in targets)
    missing = [t for t in targets if not any(k.split(".")[-1] == t for k in keys)]
    if missing:
        raise ValueError(f"the model has no {', '.join(missing)} layers to adapt")
    return keys


def adapter_config(model, lora: LoraSettings) -> dict:
    """adapter_config.json in mlx-lm's format (what mlx_lm.load(adapter_path=) reads)."""
    return {
        "fine_tune_type": "lora",
        "num_layers": len(model.layers),
        "lora_parameters": {
            "rank": lora.rank,
            "scale": lora.scale,
            "dropout": lora.dropout,
            "keys": lora_keys(model, lora.targets),
        },
    }


class _QuietUI:
    """Stands in for mlx-lm's terminal UI, whose progress bar would fight Fennec's own."""

    def __init__(self, *args, **kwargs) -> None: ...
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None: ...
    def advance(self) -> None: ...
    def report_train(self, *args) -> None: ...
    def report_val(self, *args) -> None: ...
    def report_save(self, *args) -> None: ...

    @contextlib.contextmanager
    def val_task(self, total: int):
        yield lambda: None


def _save_atomic(write: Callable[[str], None], path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp" + path.suffix)  # mx.save_* wants the suffix
    write(str(tmp))
    os.replace(tmp, path)


def train_lora(
    model_dir: Path,
    data: TuneData,
    out_dir: Path,
    lora: LoraSettings = LoraSettings(),
    options: TrainOptions = TrainOptions(),
    pacer: TrainingPacer | None = None,
    on_progress: Callable[[TuneProgress], None] | None = None,
    resume: bool = True,
) -> TuneResult:
    """Train (or continue) a LoRA adapter for the MLX model in `model_dir` into `out_dir`."""
    import mlx.core as mx
    import mlx.optimizers as optim
    import numpy as np
    from mlx.utils import tree_flatten, tree_unflatten
    from mlx_lm import load
    from mlx_lm.tuner import trainer
    from mlx_lm.tuner.callbacks import TrainingCallback
    from mlx_lm.tuner.utils import linear_to_lora_layers

    out_dir.mkdir(parents=True, exist_ok=True)
    model, tokenizer = load(str(model_dir))
    if not mx.metal.is_available():
        model.set_dtype(mx.float32)  # CPU kernels are slow and lossy in half precision
    model.freeze()
    config = adapter_config(model, lora)
    linear_to_lora_layers(model, config["num_layers"], config["lora_parameters"])
    (out_dir / ADAPTER_CONFIG).write_text(json.dumps(config, indent=2))

    train_set, valid_set = mlx_datasets(data, tokenizer)
    batch_size = max(1, min(options.batch_size, len(data.train), len(data.valid)))
    pacer = pacer or TrainingPacer(batch_size)
    pacer.batch_size = batch_size
    optimizer = optim.Adam(learning_rate=options.learning_rate)

    result = TuneResult(0, options.iters, stopped=False)
    checkpoint = out_dir / CHECKPOINT
    if resume and checkpoint.exists() and (out_dir / ADAPTER_WEIGHTS).exists():
        state = json.loads(checkpoint.read_text())
        model.load_weights(str(out_dir / ADAPTER_WEIGHTS), strict=False)
        result.iteration = int(state["iteration"])
        result.train_losses = [tuple(x) for x in state["train_losses"]]
        result.val_losses = [tuple(x) for x in state["val_losses"]]
        if (out_dir / OPTIMIZER_STATE).exists():
            optimizer.init(model.trainable_parameters())
            saved = mx.load(str(out_dir / OPTIMIZER_STATE))
            optimizer.state = tree_unflatten(list(saved.items()))
    start = result.iteration
    if start >= options.iters:
        return result

    def save_checkpoint(iteration: int) -> None:
        weights = dict(tree_flatten(model.trainable_parameters()))
        _save_atomic(lambda p: mx.save_safetensors(p, weights), out_dir / ADAPTER_WEIGHTS)
        opt = dict(tree_flatten(optimizer.state))
        _save_atomic(lambda p: mx.save_safetensors(p, opt), out_dir / OPTIMIZER_STATE)
        state = {
            "iteration": iteration,
            "total": options.iters,
            "train_losses": result.train_losses,
            "val_losses": result.val_losses,
            "lora": asdict(lora),
        }
        _save_atomic(lambda p: Path(p).write_text(json.dumps(state)), checkpoint)

    clock = pacer.clock
    timing = {"last": clock.monotonic(), "wall_per_step": None, "tok_s": []}

    def emit(**fields) -> None:
        if on_progress is not None:
            it = fields.pop("iteration")
            wall = timing["wall_per_step"]
            eta = None if wall is None else wall * (options.iters - it)
            on_progress(TuneProgress(it, options.iters, eta_s=eta, paced_s=pacer.paced_s, **fields))

    class Reports(TrainingCallback):
        def on_train_loss_report(self, info: dict) -> None:
            it = start + info["iteration"]
            result.train_losses.append((it, float(info["train_loss"])))
            timing["tok_s"].append(float(info["tokens_per_second"]))
            emit(
                iteration=it,
                train_loss=float(info["train_loss"]),
                tokens_per_s=float(info["tokens_per_second"]),
            )

        def on_val_loss_report(self, info: dict) -> None:
            it = start + info["iteration"]
            if result.val_losses and result.val_losses[-1][0] == it:
                return  # a resumed run validates its starting point again
            result.val_losses.append((it, float(info["val_loss"])))
            emit(iteration=it, val_loss=float(info["val_loss"]))

    def batches(dataset, batch_size, max_seq_length, loop=False, seed=None, comm_group=None):
        inner = trainer.iterate_batches(dataset, batch_size, max_seq_length, loop, seed, comm_group)
        if not loop:  # validation: not a training step
            yield from inner
            return
        done, tokens = start, 0
        for batch in inner:
            if done > start:  # resumed here after step `done` finished
                pacer.after_step(clock.monotonic() - timing["last"], tokens)
                now = clock.monotonic()
                step_wall = now - timing["last"]
                previous = timing["wall_per_step"]
                timing["wall_per_step"] = (
                    step_wall if previous is None else 0.8 * previous + 0.2 * step_wall
                )
                if done % options.save_every == 0:
                    save_checkpoint(done)
                if pacer.stop_requested:
                    result.stopped = True
                    return  # ends mlx-lm's loop; it saves the adapter itself
            tokens = int((batch[1][:, 1] - batch[1][:, 0]).sum().item())
            timing["last"] = clock.monotonic()
            done += 1
            result.iteration = done
            yield batch

    np.random.seed(options.seed + start)  # mlx-lm shuffles batches with numpy's global state
    mx.random.seed(options.seed + start)
    args = trainer.TrainingArgs(
        batch_size=batch_size,
        iters=options.iters - start,
        val_batches=-1,
        steps_per_report=1,
        steps_per_eval=options.eval_every,
        steps_per_save=10**9,  # Fennec saves (with its step count) from the batch stream
        max_seq_length=options.max_seq_length,
        adapter_file=str(out_dir / ADAPTER_WEIGHTS),
    )
    original_ui = trainer.TrainUI
    trainer.TrainUI = _QuietUI
    try:
        trainer.train(
            model, optimizer, train_set, valid_set, args, trainer.default_loss, batches, Reports()
        )
    finally:
        trainer.TrainUI = original_ui
    if not result.val_losses or result.val_losses[-1][0] != result.iteration:
        # mlx-lm validates before its last step; the curve should end where the adapter does.
        val = trainer.evaluate(model, valid_set, batch_size, -1, options.max_seq_length)
        result.val_losses.append((result.iteration, float(val)))
        emit(iteration=result.iteration, val_loss=float(val))
    save_checkpoint(result.iteration)
    runs = timing["tok_s"]
    result.tokens_per_s = sum(runs) / len(runs) if runs else 0.0
    return result
