"""Release recipes checked on paper: macOS Info.plist, entitlements and signing commands, the
pinned AppImage runtime, the version stamped from a tag, and the release workflow."""

from __future__ import annotations

import plistlib
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
# packaging/ is not a package (it would shadow the `packaging` library): load by path.
MACOS = runpy.run_path(str(ROOT / "packaging" / "macos.py"))


def test_info_plist_is_a_windowed_app_with_the_tagged_version():
    from app.version import __version__

    plist = plistlib.loads(plistlib.dumps(MACOS["info_plist"](__version__)))
    assert plist["LSBackgroundOnly"] is False and plist["LSUIElement"] is False
    assert plist["CFBundleShortVersionString"] == plist["CFBundleVersion"] == __version__
    assert plist["CFBundleIdentifier"] == "app.fennec.desktop"
    assert plist["LSMinimumSystemVersion"] == "14.0"
    spec = (ROOT / "packaging" / "fennec.spec").read_text()
    # console=True is what makes PyInstaller write LSBackgroundOnly=True on macOS.
    assert 'console=sys.platform != "darwin"' in spec
    assert "from app.version import __version__ as version" in spec


def test_entitlements_are_only_the_exceptions_the_bundle_needs(tmp_path):
    path = MACOS["write_entitlements"](tmp_path / "e.plist")
    granted = plistlib.loads(path.read_bytes())
    assert set(granted) == {
        "com.apple.security.cs.allow-unsigned-executable-memory",
        "com.apple.security.cs.disable-library-validation",
    }
    assert all(v is True for v in granted.values())


def _fake_app(root: Path) -> Path:
    app = root / "Fennec.app"
    for rel in (
        "Contents/MacOS/fennec",
        "Contents/Frameworks/libpython3.11.dylib",
        "Contents/Frameworks/llama_cpp/lib/libggml-cpu.so",
        "Contents/Resources/resources/models.json",
    ):
        (app / rel).parent.mkdir(parents=True, exist_ok=True)
        (app / rel).write_bytes(b"x")
    return app


def test_signing_is_inside_out_hardened_and_never_deep(tmp_path):
    app = _fake_app(tmp_path)
    ent = tmp_path / "e.plist"
    commands = MACOS["signing_commands"](app, "Developer ID Application: X (T)", ent)
    flat = [arg for c in commands for arg in c]
    assert "--deep" not in flat
    signed = [c[-1] for c in commands]
    assert signed[:2] == [
        str(app / "Contents/Frameworks/llama_cpp/lib/libggml-cpu.so"),  # deepest first
        str(app / "Contents/Frameworks/libpython3.11.dylib"),
    ]
    assert signed[-2:] == [str(app / "Contents/MacOS/fennec"), str(app)]
    for c in commands[-2:]:
        assert c[c.index("--options") + 1] == "runtime" and c[c.index("--entitlements") + 1] == str(
            ent
        )
    assert all("--timestamp" in c for c in commands)
    ad_hoc = MACOS["signing_commands"](app, "-", ent)
    assert not any("--timestamp" in c for c in ad_hoc)
    build = (ROOT / "packaging" / "build").read_text()
    assert "--deep" not in build and "packaging/macos.py sign" in build


def test_appimage_runtime_is_pinned_to_a_release_with_both_hashes():
    env = dict(
        line.split("=", 1)
        for line in (ROOT / "packaging" / "appimage-runtime.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert re.fullmatch(
        r"https://github\.com/AppImage/type2-runtime/releases/download/\d{8}",
        env["APPIMAGE_RUNTIME_RELEASE"],
    )
    for arch in ("x86_64", "aarch64"):
        assert re.fullmatch(r"[0-9a-f]{64}", env[f"APPIMAGE_RUNTIME_SHA256_{arch}"])


def test_stamp_version_writes_the_tag_and_refuses_a_non_version(tmp_path):
    if not shutil.which("bash"):
        pytest.skip("bash missing")
    (tmp_path / "packaging").mkdir()
    (tmp_path / "app").mkdir()
    shutil.copy(ROOT / "packaging" / "stamp_version", tmp_path / "packaging")
    shutil.copy(ROOT / "app" / "version.py", tmp_path / "app")
    script = tmp_path / "packaging" / "stamp_version"
    ok = subprocess.run([str(script), "v2.3.4"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert '__version__ = "2.3.4"' in (tmp_path / "app" / "version.py").read_text()
    bad = subprocess.run([str(script), "main"], capture_output=True, text=True)
    assert bad.returncode == 2 and "not a release version" in bad.stderr


def test_release_workflow_stamps_signs_notarises_and_smoke_tests_on_metal():
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    mac = flow["jobs"]["macos"]["steps"]
    runs = "\n".join(step.get("run", "") for step in mac)
    assert "packaging/stamp_version" in runs
    assert "xcrun notarytool submit" in runs and "xcrun stapler staple" in runs
    assert "--self-test" in runs  # the app answers one message on the runner's Metal GPU
    assert "--deep" not in runs
    linux = "\n".join(s.get("run", "") for s in flow["jobs"]["linux"]["steps"])
    assert "packaging/stamp_version" in linux and "FENNEC_FETCH_RUNTIME=1" in linux
