"""The deployment files are valid, checked by the same loader Docker Compose uses."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKER_SRC = ROOT / "tools" / "composecheck"
CHECKER_BIN = ROOT / ".devdata" / "bin" / "composecheck"


@pytest.fixture(scope="module")
def composecheck() -> Path:
    if not CHECKER_BIN.exists():
        go = shutil.which("go") or "/usr/local/go/bin/go"
        if not Path(go).exists():
            pytest.skip("Go toolchain not found: cannot build the compose-go checker")
        CHECKER_BIN.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [go, "build", "-o", str(CHECKER_BIN), "."], cwd=CHECKER_SRC, check=True, timeout=600
        )
    return CHECKER_BIN


def _check(checker: Path, compose_file: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(checker), str(compose_file)],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], **env},
        timeout=60,
    )


def test_docker_compose_file_is_valid(composecheck: Path) -> None:
    result = _check(
        composecheck, ROOT / "docker-compose.yml", POSTGRES_PASSWORD="x", LINK_SIGNING_SECRET="y"
    )
    assert result.returncode == 0, result.stderr
    assert "services: 3" in result.stdout


def test_compose_refuses_to_start_without_secrets(composecheck: Path) -> None:
    result = _check(composecheck, ROOT / "docker-compose.yml")
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_the_checker_rejects_an_invalid_file(composecheck: Path, tmp_path: Path) -> None:
    bad = tmp_path / "compose.yml"
    bad.write_text("services:\n  a:\n    image: x\n    ports: 12\n")
    assert _check(composecheck, bad).returncode != 0
