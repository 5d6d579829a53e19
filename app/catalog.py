"""The recommended-model catalog (resources/models.json) and the pick for this machine."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

CATALOG = Path(__file__).resolve().parent.parent / "resources" / "models.json"


@dataclass(frozen=True)
class CatalogModel:
    tier: str
    min_ram_gb: int
    name: str
    mlx: str
    gguf: str
    size_gb: float

    def repo_for(self, engine: str) -> str:
        return self.mlx if engine == "mlx" else self.gguf


def load_catalog(path: Path = CATALOG) -> list[CatalogModel]:
    data = json.loads(path.read_text())
    return [CatalogModel(**m) for m in data["models"]]


def recommended(models: list[CatalogModel], ram_gb: float) -> CatalogModel:
    """The largest tier that fits in memory; the smallest when nothing does."""
    fitting = [m for m in models if m.min_ram_gb <= ram_gb]
    return (
        max(fitting, key=lambda m: m.min_ram_gb)
        if fitting
        else min(models, key=lambda m: m.min_ram_gb)
    )
