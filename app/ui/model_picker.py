"""Choose a model: a recommendation for this machine's memory, download with progress, or a
local folder / GGUF file (checked before it is accepted)."""

from __future__ import annotations

from pathlib import Path

import psutil
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
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

from app.catalog import load_catalog, recommended
from app.ui.tasks import run_in_background
from inference.errors import FennecError
from inference.model_source import inspect_local, metal_available


class _Progress(QObject):
    progress_did_change = Signal(int, int)  # bytes done, bytes total


class DownloadCancelled(Exception):
    pass


class ModelPicker(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose a model — Fennec")
        self.resize(560, 380)
        self.chosen: str | None = None
        self.engine = "mlx" if metal_available() else "llamacpp"
        ram = psutil.virtual_memory().total / 2**30
        self.catalog = load_catalog()
        pick = recommended(self.catalog, ram)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(f"This machine has {ram:.0f} GB of memory. Recommended: <b>{pick.name}</b>.")
        )
        self.list = QListWidget()
        for m in self.catalog:
            item = QListWidgetItem(
                f"{m.name} — {m.size_gb:.0f} GB download, needs {m.min_ram_gb} GB RAM ({m.tier})"
            )
            item.setData(Qt.ItemDataRole.UserRole, m)
            self.list.addItem(item)
            if m == pick:
                self.list.setCurrentItem(item)
        layout.addWidget(self.list)
        self.progress = QProgressBar()
        self.progress.hide()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self.download)
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.delete_button = QPushButton("Delete downloaded")
        self.delete_button.clicked.connect(self.delete_download)
        self._cancel = False
        folder = QPushButton("Open model folder…")
        folder.clicked.connect(self._open_folder)
        gguf = QPushButton("Open GGUF file…")
        gguf.clicked.connect(self._open_file)
        for b in (self.download_button, self.cancel_button, self.delete_button, folder, gguf):
            buttons.addWidget(b)
        layout.addLayout(buttons)

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

    def download(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        repo = item.data(Qt.ItemDataRole.UserRole).repo_for(self.engine)
        self._cancel = False
        self.download_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.message.setText(f"Downloading {repo} … (resumes where it left off if interrupted)")
        progress = _Progress(self)
        progress.progress_did_change.connect(self._on_progress)

        def fetch() -> str:
            from huggingface_hub import snapshot_download
            from tqdm.auto import tqdm

            picker = self

            class Bar(tqdm):  # huggingface_hub reports bytes through a tqdm class
                def update(self, n=1):
                    if picker._cancel:  # stops the download; finished files stay for a resume
                        raise DownloadCancelled()
                    super().update(n)
                    if self.total:
                        progress.progress_did_change.emit(int(self.n), int(self.total))

            return snapshot_download(repo, tqdm_class=Bar)

        run_in_background(fetch, self._on_downloaded)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(1000 * done / max(total, 1)))

    def cancel(self) -> None:
        self._cancel = True

    def delete_download(self) -> None:
        """Remove the selected catalog model from the download cache."""
        item = self.list.currentItem()
        if item is None:
            return
        repo = item.data(Qt.ItemDataRole.UserRole).repo_for(self.engine)
        try:
            from huggingface_hub import scan_cache_dir

            cache = scan_cache_dir()
            hashes = [
                rev.commit_hash for r in cache.repos if r.repo_id == repo for rev in r.revisions
            ]
            if not hashes:
                self.message.setText(f"{repo} is not downloaded.")
                return
            strategy = cache.delete_revisions(*hashes)
            strategy.execute()
            self.message.setText(f"Deleted {repo} ({strategy.expected_freed_size_str} freed).")
        except Exception as e:  # a missing or unreadable cache: say so, stay usable
            self.message.setText(f"Could not delete {repo}: {e}")

    def _on_downloaded(self, path, error) -> None:
        self.download_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.hide()
        if isinstance(error, DownloadCancelled):
            self.message.setText("Download cancelled. It resumes where it stopped next time.")
            return
        if error is not None:
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            self.message.setText(
                f"The download did not finish: {first}. Check the network "
                "and try again; finished files are kept."
            )
            return
        self.use_local(path)
