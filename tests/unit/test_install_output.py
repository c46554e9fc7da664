"""`make install` is a newcomer's first screen: the commands it runs, and no warnings."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_make_install_prints_its_commands_and_nothing_else(tmp_path: Path) -> None:
    make = shutil.which("make")
    if make is None or not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("needs make and the project's .venv (make install)")
    result = subprocess.run(
        [make, "--no-print-directory", "install", f"STAMP={tmp_path / 'stamp'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    assert all("pip install" in line for line in lines), "\n".join(lines)
