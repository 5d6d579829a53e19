"""The recommended-model catalog (resources/models.json): models by memory tier, each offered
per engine as exact files with their size and quantisation, and the checks made before a
download (does it fit in memory and on disk?).

Format of resources/models.json: {"models": [model, ...]}, a model being
  id, name, tier ("basic" | "standard" | "pro"), min_ram_gb, variants: [variant, ...]
and a variant
  engine ("llamacpp" | "mlx"), quant (the publisher's name: "Q4_K_M", "8bit"…), bits (4 | 8),
  repo, revision, approx_gb (for display before the Hub is asked), checked (where the figures
  come from), and either
  files: [{name, bytes | null, sha256 | null}]   exact files (GGUF: one quantisation of many)
  patterns: ["*.safetensors", …]                 the whole repo's matching files (MLX repos hold
                                                 one quantisation each)
A null bytes/sha256 means "not verified when the catalog was made": the Hub's listing supplies it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from inference.errors import ModelError

CATALOG = Path(__file__).resolve().parent.parent / "resources" / "models.json"
GIB = 2**30
# What a model needs beyond its weights: KV cache for a few thousand tokens, activations, the
# engine itself. The machine keeps the rest of its memory for the OS and other apps.
RUNTIME_OVERHEAD_BYTES = int(1.5 * GIB)
USABLE_RAM_FRACTION = 0.8
DISK_MARGIN_BYTES = 1 * GIB  # never fill a disk to the last byte
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class CatalogFile:
    name: str
    bytes: int | None  # None: not verified; the Hub's listing says
    sha256: str | None


@dataclass(frozen=True)
class Variant:
    """One engine's way to run a model: a repo, exact files (or patterns) and a quantisation."""

    model_id: str
    engine: str
    quant: str
    bits: int
    repo: str
    revision: str
    approx_gb: float
    checked: str
    files: tuple[CatalogFile, ...] = ()
    patterns: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Names the variant on the command line: `qwen3-30b-a3b:llamacpp:Q4_K_M`."""
        return f"{self.model_id}:{self.engine}:{self.quant}"

    @property
    def approx_bytes(self) -> int:
        known = [f.bytes for f in self.files]
        if known and all(b is not None for b in known):
            return sum(known)  # type: ignore[arg-type]
        return int(self.approx_gb * 1e9)

    def describe(self) -> str:
        names = ", ".join(f.name for f in self.files) or f"{self.repo} ({', '.join(self.patterns)})"
        return f"{self.quant} ({self.bits}-bit), {human_size(self.approx_bytes)}: {names}"


@dataclass(frozen=True)
class CatalogModel:
    id: str
    name: str
    tier: str
    min_ram_gb: int
    variants: tuple[Variant, ...]

    def variants_for(self, engine: str) -> list[Variant]:
        return [v for v in self.variants if v.engine == engine]

    def variant(self, engine: str, bits: int | None = None, quant: str | None = None) -> Variant:
        """The variant for this engine: a given quant or bit width, else the smallest (4-bit)."""
        options = self.variants_for(engine)
        if quant is not None:
            options = [v for v in options if v.quant.lower() == quant.lower()]
        elif bits is not None:
            options = [v for v in options if v.bits == bits]
        if not options:
            wanted = quant or (f"{bits}-bit" if bits else "any")
            have = ", ".join(v.quant for v in self.variants_for(engine)) or "none"
            raise ModelError(
                f"{self.name} has no {wanted} download for {engine} (published: {have})"
            )
        return min(options, key=lambda v: v.approx_bytes)


@dataclass(frozen=True)
class FitVerdict:
    fits: bool
    message: str  # says why not, in words a user can act on; "" when it fits


def load_catalog(path: Path = CATALOG) -> list[CatalogModel]:
    """Read and check the catalog; a malformed entry is a bug in the data, named here."""
    data = json.loads(path.read_text())
    return [_parse_model(m) for m in data["models"]]


def _parse_model(m: dict) -> CatalogModel:
    variants = []
    for v in m["variants"]:
        files = tuple(
            CatalogFile(f["name"], f.get("bytes"), f.get("sha256")) for f in v.get("files", ())
        )
        for f in files:
            if f.sha256 is not None and not _SHA256.match(f.sha256):
                raise ValueError(f"{m['id']}: {f.name} has a malformed sha256")
        if bool(files) == bool(v.get("patterns")):
            raise ValueError(f"{m['id']}/{v['repo']}: give exactly one of files or patterns")
        variants.append(
            Variant(
                model_id=m["id"],
                engine=v["engine"],
                quant=v["quant"],
                bits=int(v["bits"]),
                repo=v["repo"],
                revision=v.get("revision", "main"),
                approx_gb=float(v["approx_gb"]),
                checked=v["checked"],
                files=files,
                patterns=tuple(v.get("patterns", ())),
            )
        )
    return CatalogModel(m["id"], m["name"], m["tier"], int(m["min_ram_gb"]), tuple(variants))


def recommended(models: list[CatalogModel], ram_gb: float) -> CatalogModel:
    """The largest tier that fits in memory; the smallest when nothing does."""
    fitting = [m for m in models if m.min_ram_gb <= ram_gb]
    return (
        max(fitting, key=lambda m: m.min_ram_gb)
        if fitting
        else min(models, key=lambda m: m.min_ram_gb)
    )


def find_model(models: list[CatalogModel], model_id: str) -> CatalogModel:
    for m in models:
        if m.id == model_id:
            return m
    known = ", ".join(m.id for m in models)
    raise ModelError(f"no model {model_id!r} in the catalog; choose one of {known}")


def find_by_repo(models: list[CatalogModel], repo: str) -> tuple[CatalogModel, Variant] | None:
    """The catalog entry a downloaded repo belongs to (case-insensitive, as the Hub is)."""
    for m in models:
        for v in m.variants:
            if v.repo.lower() == repo.lower():
                return m, v
    return None


def check_fit(
    variant: Variant, total_bytes: int, ram_bytes: int, free_disk_bytes: int, have_bytes: int = 0
) -> FitVerdict:
    """Before a download: the weights plus the runtime must fit in the usable share of memory,
    and what is still to fetch must fit on the disk with a margin."""
    need_ram = total_bytes + RUNTIME_OVERHEAD_BYTES
    usable_ram = int(ram_bytes * USABLE_RAM_FRACTION)
    if need_ram > usable_ram:
        least = need_ram / USABLE_RAM_FRACTION
        smaller = "a smaller model" if variant.bits <= 4 else "its 4-bit file or a smaller model"
        return FitVerdict(
            False,
            f"{variant.quant} needs about {memory_size(need_ram)} of memory to run "
            f"({memory_size(total_bytes)} of weights plus working space); this machine has "
            f"{memory_size(ram_bytes)}, enough for models up to {memory_size(usable_ram)} in all. "
            f"Pick {smaller}; this one wants a machine with {memory_size(least)} or more.",
        )
    to_fetch = max(total_bytes - have_bytes, 0)
    if to_fetch + DISK_MARGIN_BYTES > free_disk_bytes:
        return FitVerdict(
            False,
            f"Not enough disk space: {human_size(to_fetch)} still to download, "
            f"{human_size(free_disk_bytes)} free. Free some space and try again.",
        )
    return FitVerdict(True, "")


def memory_size(n: float) -> str:
    """Memory in binary units, as RAM is sold and shown ("16 GB" is 16 GiB)."""
    return f"{n / GIB:.1f} GB"


def human_size(n: float) -> str:
    """Decimal units, as the Hub and disk makers show them."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} bytes"
