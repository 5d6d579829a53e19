"""Where adapters live: under the data dir, next to the models, one folder per base model.

  <data dir>/models/adapters/<base model slug>/<adapter name>/
An adapter named by a path (anything with a slash) lives where the user says instead; either
way its folder carries fennec_adapter.json, so it is listed and checked the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from app.paths import data_dir
from inference.adapter_meta import META_FILE, AdapterMeta, read_meta
from inference.errors import ModelError

_UNSAFE = re.compile(r"[^\w.\-]+")


def adapters_root() -> Path:
    return data_dir() / "models" / "adapters"


def base_slug(model_id: str) -> str:
    """A folder name for a model id: org/name → org--name, as the model store names folders."""
    return _UNSAFE.sub("-", model_id.replace("/", "--")).strip("-.") or "model"


def is_path(name: str) -> bool:
    return "/" in name or "\\" in name or name.startswith((".", "~"))


def adapter_dir(name: str, model_id: str) -> Path:
    """The folder for adapter `name` of base model `model_id` (or the path given)."""
    if is_path(name):
        return Path(name).expanduser()
    if _UNSAFE.search(name):
        raise ModelError(f"adapter name {name!r} may hold only letters, digits, '.', '-', '_'")
    return adapters_root() / base_slug(model_id) / name


@dataclass(frozen=True)
class StoredAdapter:
    path: Path
    meta: AdapterMeta


def list_adapters() -> list[StoredAdapter]:
    """Every adapter in the store, by base model then name; damaged ones are skipped."""
    found = []
    root = adapters_root()
    for meta_file in sorted(root.glob(f"*/*/{META_FILE}")):
        try:
            found.append(StoredAdapter(meta_file.parent, read_meta(meta_file.parent)))
        except ModelError:
            continue
    return sorted(found, key=lambda a: (a.meta.base_model, a.meta.name))


def find_adapter(name: str) -> Path:
    """A stored adapter by name (or a path, returned as is); ModelError when none or several."""
    if is_path(name):
        return Path(name).expanduser()
    matches = [a.path for a in list_adapters() if a.meta.name == name]
    if not matches:
        raise ModelError(f"no adapter named {name!r}; `fennec tune list` shows them")
    if len(matches) > 1:
        raise ModelError(
            f"{len(matches)} adapters are named {name!r} (one per base model); give its path: "
            + ", ".join(str(m) for m in matches)
        )
    return matches[0]


def adapters_for(model: str) -> list[StoredAdapter]:
    """The stored adapters made for `model` (as the Model setting names it), by name: those
    filed under its folder name or recording it as their base. Cheap (no weights hashed); the
    worker checks the fingerprints when it loads one."""
    slug = base_slug(_model_id(model))
    return [
        a
        for a in list_adapters()
        if a.path.parent.name == slug or a.meta.base_model in (model, _model_id(model))
    ]


def _model_id(model: str) -> str:
    """A folder or file path as the store names its base: the last path part."""
    return Path(model).name if is_path(model) or Path(model).exists() else model
