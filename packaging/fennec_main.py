"""The bundle's entry point: the same `fennec` command line (bare: the desktop app)."""

import multiprocessing
import sys

from app.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
