"""macOS bundle facts in one place: Info.plist, entitlements and the signing commands.

Run by `packaging/build macos` and read by `fennec.spec`; the tests load this file by path
(the folder is not an importable package). Commands:
    python packaging/macos.py entitlements OUT.plist
    python packaging/macos.py sign APP IDENTITY ENTITLEMENTS   (IDENTITY "-" = ad hoc)
"""

from __future__ import annotations

import plistlib
import subprocess
import sys
from pathlib import Path

BUNDLE_ID = "app.fennec.desktop"
# PySide6 6.12 wheels need macOS 14 (Sonoma); keep in step with the pinned PySide6.
MIN_MACOS = "14.0"
# Hardened runtime exceptions, each because something in the bundle needs it:
ENTITLEMENTS = {
    # ctypes/libffi closures (PySide6 and the llama.cpp bindings' callbacks) map writable then
    # executable memory.
    "com.apple.security.cs.allow-unsigned-executable-memory": True,
    # MLX builds CPU kernels for mx.compile at run time and dlopens them: a library no
    # Developer ID signed. Metal kernels need no exception.
    "com.apple.security.cs.disable-library-validation": True,
}
MACHO_SUFFIXES = (".so", ".dylib")


def info_plist(version: str) -> dict:
    """The Info.plist keys PyInstaller's BUNDLE writes for us."""
    return {
        "CFBundleName": "Fennec",
        "CFBundleDisplayName": "Fennec",
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "LSMinimumSystemVersion": MIN_MACOS,
        "NSHighResolutionCapable": True,
        # A windowed app with a Dock icon: the menu-bar item is an addition, not the app
        # (LSUIElement would hide it from the Dock and the app switcher).
        "LSUIElement": False,
        # Never background-only: PyInstaller writes LSBackgroundOnly=True for console=True
        # builds, which is why the spec builds a windowed executable on macOS.
        "LSBackgroundOnly": False,
        "LSArchitecturePriority": ["arm64"],
        "LSApplicationCategoryType": "public.app-category.productivity",
    }


def write_entitlements(path: Path) -> Path:
    path.write_bytes(plistlib.dumps(ENTITLEMENTS))
    return path


def signing_commands(app: Path, identity: str, entitlements: Path) -> list[list[str]]:
    """Inside out, never `--deep`: every nested library first, then the executable and the
    bundle with the hardened runtime and our entitlements (Apple's recommended order)."""
    common = ["codesign", "--force", "--sign", identity]
    if identity != "-":
        common.append("--timestamp")  # a secure timestamp; ad hoc signatures have none
    nested = sorted(
        (p for p in app.rglob("*") if p.is_file() and p.suffix in MACHO_SUFFIXES),
        key=lambda p: len(p.parts),
        reverse=True,  # deepest first
    )
    commands = [[*common, str(p)] for p in nested]
    hardened = [*common, "--options", "runtime", "--entitlements", str(entitlements)]
    main = app / "Contents" / "MacOS" / "fennec"
    commands.append([*hardened, str(main)])
    commands.append([*hardened, str(app)])
    return commands


def main(argv: list[str]) -> int:
    if argv[:1] == ["entitlements"] and len(argv) == 2:
        write_entitlements(Path(argv[1]))
        return 0
    if argv[:1] == ["sign"] and len(argv) == 4:
        app, identity, entitlements = Path(argv[1]), argv[2], Path(argv[3])
        for command in signing_commands(app, identity, entitlements):
            subprocess.run(command, check=True)
        subprocess.run(["codesign", "--verify", "--strict", "--verbose=2", str(app)], check=True)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
