"""Choose a model: a recommendation for this machine's memory, one exact file (or MLX folder)
downloaded with progress, resume, cancel and verification — or a local folder / GGUF file
(checked before it is accepted). The download itself is app/model_store.py, shared with
`fennec models`."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import psutil
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from app import model_store
from app.ui.error_words import humane
from app.ui.i18n import tr
from app.ui.tasks import run_in_background
from inference.catalog import (
    CatalogModel,
    Variant,
    check_fit,
    human_size,
    load_catalog,
    memory_size,
    recommended,
)
from inference.errors import FennecError
from inference.hub_download import DownloadCancelled, Progress
from inference.model_source import inspect_local, metal_available


class _Progress(QObject):
    progress_did_change = Signal(object)  # a hub_download.Progress, from the download thread


class ModelPicker(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Choose a model — Fennec"))
        self.resize(640, 420)
        self.chosen: str | None = None
        self.engine = "mlx" if metal_available() else "llamacpp"
        self.ram_bytes = psutil.virtual_memory().total
        self.catalog = load_catalog()
        pick = recommended(self.catalog, self.ram_bytes / 2**30)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"This machine has {memory_size(self.ram_bytes)} of memory and runs "
                f"{'MLX on its GPU' if self.engine == 'mlx' else 'llama.cpp on its CPU'}. "
                f"Recommended: <b>{pick.name}</b>."
            )
        )
        self.list = QListWidget()
        for m in self.catalog:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, m)
            self.list.addItem(item)
            if m == pick:
                self.list.setCurrentItem(item)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Quantisation:")))
        self.quant = QComboBox()
        row.addWidget(self.quant, 1)
        layout.addLayout(row)
        self.progress = QProgressBar()
        self.progress.hide()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.download_button = QPushButton(tr("Download"))
        self.download_button.clicked.connect(self.download)
        self.cancel_button = QPushButton(tr("Cancel download"))
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.delete_button = QPushButton(tr("Delete downloaded"))
        self.delete_button.clicked.connect(self.delete_download)
        self._cancel = threading.Event()
        folder = QPushButton(tr("Open model folder…"))
        folder.clicked.connect(self._open_folder)
        gguf = QPushButton(tr("Open GGUF file…"))
        gguf.clicked.connect(self._open_file)
        # A Hugging Face folder made runnable on llama.cpp here (8-bit; 4-bit from the CLI).
        self.convert_button = QPushButton(tr("Convert a folder to GGUF…"))
        self.convert_button.clicked.connect(self._on_convert_clicked)
        for b in (self.download_button, self.cancel_button, self.delete_button, folder, gguf):
            buttons.addWidget(b)
        buttons.addWidget(self.convert_button)
        layout.addLayout(buttons)
        self.list.currentItemChanged.connect(self._on_list_current_changed)
        self.quant.currentIndexChanged.connect(lambda _: self._show_selection())
        self._refresh_items()
        self._on_list_current_changed()

    # -- what is selected ------------------------------------------------------------------------
    def selected_model(self) -> CatalogModel | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def selected_variant(self) -> Variant | None:
        return self.quant.currentData()

    def _refresh_items(self) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            m: CatalogModel = item.data(Qt.ItemDataRole.UserRole)
            small = m.variant(self.engine) if m.variants_for(self.engine) else None
            size = f"{human_size(small.approx_bytes)} download" if small else "not for this engine"
            done = any(model_store.installed_path(v) for v in m.variants_for(self.engine))
            item.setText(
                f"{m.name} — {size}, needs {m.min_ram_gb} GB RAM ({m.tier})"
                + ("  ✓ downloaded" if done else "")
            )

    def _on_list_current_changed(self, *_) -> None:
        self.quant.blockSignals(True)
        self.quant.clear()
        m = self.selected_model()
        for v in sorted(m.variants_for(self.engine), key=lambda v: v.bits) if m else []:
            self.quant.addItem(f"{v.bits}-bit · {v.describe()}", v)
            self.quant.setItemData(self.quant.count() - 1, v.checked, Qt.ItemDataRole.ToolTipRole)
        self.quant.blockSignals(False)
        self._show_selection()

    def _show_selection(self) -> None:
        """Say before any download whether the choice fits, and whether it is already here."""
        v = self.selected_variant()
        if v is None:
            self.message.setText("")
            return
        where = model_store.installed_path(v)
        self.download_button.setText("Use" if where else "Download")
        if where:
            self.message.setText(f"Downloaded: {where}")
            return
        free = shutil.disk_usage(model_store.models_dir().parent).free
        verdict = check_fit(v, v.approx_bytes, self.ram_bytes, free)
        self.message.setText(verdict.message or f"{v.repo}: {v.describe()}")

    # -- local models ----------------------------------------------------------------------------
    def use_local(self, path: str) -> bool:
        """Accept a local model if it checks out; otherwise say what is wrong."""
        try:
            inspect_local(Path(path))
        except FennecError as e:
            self.message.setText(str(e))
            return False
        self.chosen = path
        self.accept()
        return True

    def _open_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Model folder")
        if path:
            self.use_local(path)

    def _open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "GGUF model", "", "GGUF (*.gguf)")
        if path:
            self.use_local(path)

    # -- convert ---------------------------------------------------------------------------------
    def _on_convert_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("Hugging Face model folder"))
        if path:
            self.convert(Path(path))

    def convert(self, src: Path, bits: int = 8) -> None:
        """Convert a safetensors folder to GGUF in the models folder, with progress; the
        result is chosen when it is done."""
        from inference.gguf_convert import convert_to_gguf, gguf_file_name

        dest = model_store.models_dir() / gguf_file_name(src, bits)
        self._cancel.clear()
        self.download_button.setEnabled(False)
        self.convert_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.message.setText(tr("Converting {name}…").format(name=src.name))
        progress = _Progress(self)
        progress.progress_did_change.connect(self._on_convert_progress)
        cancel = self._cancel

        def work() -> Path:
            return convert_to_gguf(src, dest, bits, progress.progress_did_change.emit, cancel)

        run_in_background(work, self._on_converted)

    def _on_convert_progress(self, p) -> None:
        if p.stage == "writing":
            self.progress.setRange(0, max(p.total, 1))
            self.progress.setValue(p.done)
            self.message.setText(
                tr("Writing tensor {done} of {total}").format(done=p.done, total=p.total)
            )
        else:
            self.progress.setRange(0, 0)
            self.message.setText(tr("Quantising with llama.cpp…"))

    def _on_converted(self, path, error) -> None:
        self.progress.hide()
        self.cancel_button.setEnabled(False)
        self.download_button.setEnabled(True)
        self.convert_button.setEnabled(True)
        if error is not None:
            reason = (
                str(error) if isinstance(error, FennecError) else f"{type(error).__name__}: {error}"
            )
            words, details = humane(reason)
            self.message.setText(tr("The conversion did not finish: {reason}").format(reason=words))
            self.message.setToolTip(details)
            return
        self.use_local(str(path))

    # -- download, cancel, delete ----------------------------------------------------------------
    def download(self) -> None:
        v = self.selected_variant()
        if v is None:
            return
        where = model_store.installed_path(v)
        if where is not None:
            self.use_local(str(where))
            return
        self._cancel.clear()
        self.download_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.message.setText(f"Downloading {v.describe()} … (resumes if interrupted)")
        progress = _Progress(self)
        progress.progress_did_change.connect(self._on_progress)
        cancel = self._cancel

        last = [0.0]

        def report(p: Progress) -> None:
            # a chunk arrives every few kB: tell the GUI thread ~10 times a second, not 10,000
            now = time.monotonic()
            if now - last[0] >= 0.1 or p.done == p.total:
                last[0] = now
                progress.progress_did_change.emit(p)

        def fetch() -> Path:
            return model_store.download(v, report, cancel)

        run_in_background(fetch, self._on_downloaded)

    def _on_progress(self, p: Progress) -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(1000 * p.done / max(p.total, 1)))
        self.message.setText(f"{p.file}: {human_size(p.done)} of {human_size(p.total)}")

    def cancel(self) -> None:
        self._cancel.set()

    def delete_download(self) -> None:
        """Remove the selected catalog variant from Fennec's model folder."""
        v = self.selected_variant()
        if v is None:
            return
        try:
            freed = model_store.delete(v)
        except FennecError as e:
            self.message.setText(str(e))
            return
        except OSError as e:  # a file in use or a read-only disk: say so, stay usable
            self.message.setText(f"Could not delete {v.repo}: {e.strerror}")
            return
        self.message.setText(f"Deleted {v.repo} {v.quant} ({human_size(freed)} freed).")
        self._refresh_items()
        self.download_button.setText(tr("Download"))

    def _on_downloaded(self, path, error) -> None:
        self.download_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.hide()
        self._refresh_items()
        if isinstance(error, DownloadCancelled):
            self.message.setText(tr("Download cancelled. It resumes where it stopped next time."))
            return
        if isinstance(error, model_store.DoesNotFit):
            self.message.setText(tr("This model does not fit here: {reason}").format(reason=error))
            return
        if error is not None:
            raw = (
                str(error) if isinstance(error, FennecError) else f"{type(error).__name__}: {error}"
            )
            reason, details = humane(raw)
            self.message.setText(tr("The download did not finish: {reason}").format(reason=reason))
            self.message.setToolTip(details)  # the technical text, for whoever needs it
            return
        self.use_local(str(path))
