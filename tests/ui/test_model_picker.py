"""The model picker downloads the one file it shows, reports progress, cancels and resumes, and
says before downloading when a model does not fit."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import pytest

from tests.fake_hub import FakeHub

pytestmark = pytest.mark.gui

REPO = "allenai/OLMoE-1B-7B-0125-Instruct-GGUF"
Q8 = "OLMoE-1B-7B-0125-Instruct-Q8_0.gguf"
F16 = "OLMoE-1B-7B-0125-Instruct-F16.gguf"


@pytest.fixture
def hub(monkeypatch, tiny_gguf):
    # a real (tiny) GGUF as the Q8_0 file: the picker checks what it downloaded before using it
    files = {Q8: tiny_gguf.read_bytes(), F16: hashlib.sha256(b"f16").digest() * 16000}
    fake = FakeHub({REPO: files})
    monkeypatch.setenv("HF_ENDPOINT", fake.start())
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    yield fake
    fake.stop()


def _picker(qtbot, model_id: str, bits: int):
    from app.ui.model_picker import ModelPicker

    picker = ModelPicker()
    qtbot.addWidget(picker)
    for i in range(picker.list.count()):
        if picker.list.item(i).data(0x0100).id == model_id:  # Qt.UserRole
            picker.list.setCurrentRow(i)
    picker.quant.setCurrentIndex(
        [picker.quant.itemData(i).bits for i in range(picker.quant.count())].index(bits)
    )
    return picker


def test_download_fetches_the_chosen_file_and_uses_it(qtbot, hub):
    picker = _picker(qtbot, "olmoe-1b-7b", 8)
    assert Q8 in picker.quant.currentText()
    seen = []
    picker.progress.valueChanged.connect(seen.append)
    picker.download()
    qtbot.waitUntil(lambda: picker.chosen is not None, timeout=10_000)
    assert picker.chosen.endswith(Q8) and hub.file_gets() == [Q8]
    assert seen and seen[-1] == 1000
    assert "✓ downloaded" in picker.list.currentItem().text()


def test_cancel_keeps_the_part_and_says_it_resumes(qtbot, hub, monkeypatch):
    import app.ui.model_picker as mp

    real_download = mp.model_store.download

    def cancelled_midway(variant, on_progress, cancel):
        def progress(p):
            on_progress(p)
            cancel.set()  # as if the user pressed Cancel after the first chunk

        return real_download(variant, progress, cancel)

    monkeypatch.setattr(mp.model_store, "download", cancelled_midway)
    picker = _picker(qtbot, "olmoe-1b-7b", 8)
    picker.download()
    qtbot.waitUntil(lambda: picker.download_button.isEnabled(), timeout=10_000)
    assert picker.message.text() == "Download cancelled. It resumes where it stopped next time."
    assert picker.chosen is None
    monkeypatch.setattr(mp.model_store, "download", real_download)
    picker.download()
    qtbot.waitUntil(lambda: picker.chosen is not None, timeout=10_000)
    assert hub.requests[-1][2] is not None and hub.requests[-1][2].startswith("bytes=")


def test_a_model_that_does_not_fit_says_so_before_downloading(qtbot, hub, monkeypatch):
    import app.ui.model_picker as mp

    monkeypatch.setattr(mp.psutil, "virtual_memory", lambda: SimpleNamespace(total=2 * 2**30))
    picker = _picker(qtbot, "qwen3-30b-a3b", 4)
    assert "needs about 18.8 GB of memory" in picker.message.text()
