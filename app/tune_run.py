"""One tuning run, as the command and the tuning window both drive it: checks first (model,
data, output folder, resume), then training under the governor, then the adapter's metadata
and its llama.cpp copy. `pacer.request_stop()` from any thread ends it after the current step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from inference.adapter_meta import (
    GGUF_FILE,
    META_FILE,
    AdapterMeta,
    model_fingerprints,
    read_meta,
    write_meta,
)
from inference.errors import ModelError
from inference.lora_data import load_tune_data
from inference.lora_pacing import TrainingPacer, governed_pacer
from inference.lora_train import (
    ADAPTER_CONFIG,
    ADAPTER_WEIGHTS,
    CHECKPOINT,
    OPTIMIZER_STATE,
    LoraSettings,
    TrainOptions,
    TuneProgress,
    TuneResult,
    train_lora,
)
from inference.model_source import resolve


@dataclass(frozen=True)
class TuneRequest:
    model: str
    data: Path
    out: str
    valid: Path | None = None
    rank: int = 16
    alpha: float = 32.0
    dropout: float = 0.1
    targets: tuple[str, ...] = ("q_proj", "v_proj")
    iters: int = 200
    batch_size: int = 4
    learning_rate: float = 1e-4
    save_every: int = 25
    eval_every: int = 50
    seed: int = 0
    fresh: bool = False
    governor: bool = True
    preset: str = "cool"
    thermal_sim: str | None = None


class TuneRun:
    """A checked, ready run; `execute()` trains (on the calling thread)."""

    def __init__(
        self,
        request: TuneRequest,
        on_progress: Callable[[TuneProgress], None] | None = None,
        on_note: Callable[[str], None] | None = None,
    ) -> None:
        from app.tune_store import adapter_dir

        self.request = request
        self.on_progress = on_progress
        self.note = on_note or (lambda text: None)
        self.files = resolve(request.model)
        if self.files.mlx_dir is None:
            raise ModelError(
                f"tuning trains on MLX weights (config.json + safetensors); {request.model} "
                "has only a GGUF file"
            )
        self.lora = LoraSettings(request.rank, request.alpha, request.dropout, request.targets)
        self.data = load_tune_data(request.data, request.valid, seed=request.seed)
        self.out_dir = adapter_dir(request.out, self.files.model_id)
        self.fingerprints = model_fingerprints(self.files)
        self._prepare_folder()
        batch = max(1, min(request.batch_size, len(self.data.train), len(self.data.valid)))
        self.loop = None
        self._blind_noted = False
        if request.governor:
            self.pacer, self.loop = governed_pacer(batch, request.preset, request.thermal_sim)
        else:
            self.pacer = TrainingPacer(batch)

    def _prepare_folder(self) -> None:
        """Refuse a folder holding something else, another model's adapter or other settings;
        clear it for --fresh; announce a resume."""
        folder = self.out_dir
        if folder.exists() and any(folder.iterdir()) and not (folder / META_FILE).exists():
            raise ModelError(f"{folder} exists and is not an adapter folder; choose another --out")
        if not (folder / META_FILE).exists():
            return
        meta = read_meta(folder)
        if not set(meta.base_fingerprints) & set(self.fingerprints):
            raise ModelError(
                f"{folder} holds adapter {meta.name!r} of base model {meta.base_model!r}, "
                f"not of {self.files.model_id!r}; choose another --out"
            )
        if self.request.fresh:
            for name in (ADAPTER_WEIGHTS, ADAPTER_CONFIG, CHECKPOINT, OPTIMIZER_STATE, GGUF_FILE):
                (folder / name).unlink(missing_ok=True)
            return
        if not (folder / CHECKPOINT).exists():
            return
        mine = (self.lora.rank, self.lora.alpha, self.lora.dropout, list(self.lora.targets))
        if mine != (meta.rank, meta.alpha, meta.dropout, meta.targets):
            raise ModelError(
                f"{folder} was trained with r={meta.rank} alpha={meta.alpha:g} "
                f"dropout={meta.dropout:g} on {','.join(meta.targets)}; resume with those "
                "settings, or start over with --fresh"
            )
        self.note(f"fennec: resuming {folder} from its last checkpoint (--fresh starts over)")

    def _progress(self, progress: TuneProgress) -> None:
        if self.loop is not None and not self._blind_noted:
            state = self.loop.status_extra().get("thermal_state")
            if state == "blind":
                self._blind_noted = True
                self.note(
                    "fennec: note: no temperature sensor here, so the governor holds a blind "
                    "power cap and training runs slowly; --no-governor runs it flat out"
                )
        if self.on_progress is not None:
            self.on_progress(progress)

    def execute(self) -> TuneResult:
        r = self.request
        name = self.out_dir.name
        self.out_dir.mkdir(parents=True, exist_ok=True)
        meta = AdapterMeta(
            name=name,
            base_model=self.files.model_id,
            base_fingerprints=self.fingerprints,
            architecture=_architecture(self.files.mlx_dir),
            rank=r.rank,
            alpha=r.alpha,
            dropout=r.dropout,
            targets=list(r.targets),
            total_iterations=r.iters,
            examples=len(self.data.train) + len(self.data.valid),
            data_file=str(r.data),
        )
        write_meta(self.out_dir, meta)  # first, so a crashed run is still recognised on resume
        if self.loop is not None:
            self.loop.start()
        try:
            result = train_lora(
                self.files.mlx_dir,
                self.data,
                self.out_dir,
                self.lora,
                TrainOptions(
                    iters=r.iters,
                    batch_size=r.batch_size,
                    learning_rate=r.learning_rate,
                    eval_every=r.eval_every,
                    save_every=r.save_every,
                    seed=r.seed,
                ),
                self.pacer,
                self._progress,
                resume=not r.fresh,
            )
        finally:
            if self.loop is not None:
                self.loop.stop()
        meta.iterations = result.iteration
        meta.train_losses = [list(x) for x in result.train_losses]
        meta.val_losses = [list(x) for x in result.val_losses]
        meta.tokens_per_s = round(result.tokens_per_s, 1)
        write_meta(self.out_dir, meta)
        (self.out_dir / GGUF_FILE).unlink(missing_ok=True)  # stale: rebuilt for llama.cpp
        if self.files.gguf_file is not None:
            from inference.adapter_gguf import convert_adapter

            try:
                convert_adapter(self.out_dir, self.files.gguf_file, self.out_dir / GGUF_FILE)
            except ModelError as e:
                self.note(f"fennec: note: no llama.cpp copy of this adapter: {e}")
        return result


def _architecture(folder: Path | None) -> str:
    import json

    if folder is None:
        return ""
    return str(json.loads((folder / "config.json").read_text()).get("model_type", ""))
