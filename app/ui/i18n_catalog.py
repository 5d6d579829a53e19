"""The translation catalog: every UI string, collected from the code, kept in Qt's .ts format
(the translators' source, with their translations) and compiled to the .qm QTranslator loads.

Collected: the literal arguments of tr() and tr_noop() in app/ui, and the strings the UI shows
from data defined outside it (the settings' labels, help and choice names, the power modes,
the conversation list's date groups). `fennec dev i18n` refreshes the .ts (new strings are
added unfinished, translations kept) and compiles the .qm.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from app.ui.i18n import I18N_DIR

UI_DIR = Path(__file__).resolve().parent
MARKERS = ("tr", "tr_noop")


def code_strings() -> list[str]:
    """tr("…") and tr_noop("…") literals in app/ui, in file order, each once."""
    found: dict[str, None] = {}
    for path in sorted(UI_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in MARKERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found[node.args[0].value] = None
    return list(found)


def data_strings() -> list[str]:
    """Strings defined as data outside app/ui and shown by it."""
    from app.settings import SCHEMA
    from app.ui.conversation_dates import GROUPS
    from thermal.governor import PRESET_LABELS

    found: dict[str, None] = {}
    for setting in SCHEMA:
        for text in (setting.label, setting.help, *setting.choice_labels):
            found[text] = None
    for text in (*PRESET_LABELS.values(), *GROUPS):
        found[text] = None
    return list(found)


def sources() -> list[str]:
    return list(dict.fromkeys([*code_strings(), *data_strings()]))


def ts_path(language: str) -> Path:
    return I18N_DIR / f"fennec_{language}.ts"


def read_ts(path: Path) -> dict[str, str]:
    """source → translation ("" when unfinished) from a .ts file."""
    if not path.exists():
        return {}
    out = {}
    for message in ET.parse(path).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        done = translation is not None and translation.get("type") != "unfinished"
        out[source] = (translation.text or "") if done else ""
    return out


def write_ts(path: Path, language: str, translations: dict[str, str]) -> None:
    """A .ts with one context (""), the sources in `translations`' order."""
    root = ET.Element("TS", version="2.1", language=language)
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = ""
    for source, text in translations.items():
        message = ET.SubElement(context, "message")
        ET.SubElement(message, "source").text = source
        translation = ET.SubElement(message, "translation")
        if text:
            translation.text = text
        else:
            translation.set("type", "unfinished")
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = ET.tostring(root, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n")


def compile_qm(ts: Path, qm: Path) -> None:
    """pyside6-lrelease, from the venv beside this Python."""
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    subprocess.run(
        [str(lrelease), "-silent", str(ts), "-qm", str(qm)], check=True, capture_output=True
    )


def update(language: str = "zh_CN") -> tuple[int, int]:
    """Refresh the catalog from the code and compile it; (strings, untranslated)."""
    path = ts_path(language)
    known = read_ts(path)
    translations = {s: known.get(s, "") for s in sources()}
    write_ts(path, language, translations)
    compile_qm(path, path.with_suffix(".qm"))
    return len(translations), sum(1 for t in translations.values() if not t)
