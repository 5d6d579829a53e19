"""Render the project's artwork (resources/icons/fennec.svg) to PNGs of the given sizes."""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402


def main(svg: str, out_dir: str, *sizes: str) -> None:
    app = QGuiApplication([])  # noqa: F841  (Qt needs one for rendering)
    renderer = QSvgRenderer(svg)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    for size in (int(s) for s in sizes):
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        image.save(str(Path(out_dir) / f"fennec-{size}.png"))


if __name__ == "__main__":
    main(*sys.argv[1:])
