"""The deployment files are valid, checked by the same loader Docker Compose uses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from notifier.production import settings_problems
from notifier.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
CHECKER_SRC = ROOT / "tools" / "composecheck"
CHECKER_BIN = ROOT / ".devdata" / "bin" / "composecheck"


@pytest.fixture(scope="module")
def composecheck() -> Path:
    sources = [*CHECKER_SRC.iterdir()]
    stale = not CHECKER_BIN.exists() or any(
        p.stat().st_mtime > CHECKER_BIN.stat().st_mtime for p in sources
    )
    if stale:
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
        cwd=compose_file.parent,
        timeout=60,
    )


# What an operator with Stripe, an SMPP account and a JWKS file from the e-school system
# would put in .env: no JWT_HS256_SECRET, no INTERNAL_API_TOKEN.
REALISTIC_ENV = """\
POSTGRES_PASSWORD=pg-Secret-9f2c1d7e
LINK_SIGNING_SECRET=link-signing-secret-0123456789abcdef
PUBLIC_BASE_URL=https://notify.example.kz
KAFKA_EXTERNAL_HOST=notify.example.kz
SMS_ROUTES={"*": ["smpp"]}
SMPP_HOST=smsc.example.kz
SMPP_SYSTEM_ID=school
SMPP_PASSWORD=smpp-pw
PAYMENT_GATEWAY=stripe
STRIPE_API_KEY=sk_live_0123456789abcdefghijklmn
STRIPE_WEBHOOK_SECRET=whsec_0123456789abcdefghijklmn
JWT_JWKS_FILE=/keys/e-school.jwks.json
"""


def _services(checker: Path, tmp_path: Path, dotenv: str) -> dict[str, dict[str, Any]]:
    """Every service's configuration as compose resolves it with this .env."""
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    (tmp_path / ".env").write_text(dotenv)
    result = _check(checker, tmp_path / "docker-compose.yml")
    assert result.returncode == 0, result.stderr
    services: dict[str, dict[str, Any]] = json.loads(result.stdout.splitlines()[2])
    return services


def _environment(checker: Path, tmp_path: Path, dotenv: str) -> dict[str, str | None]:
    environment: dict[str, str | None] = _services(checker, tmp_path, dotenv)["notifier"][
        "environment"
    ]
    return environment


def test_compose_gives_the_service_every_variable_it_reads(
    composecheck: Path, tmp_path: Path
) -> None:
    environment = _environment(composecheck, tmp_path, REALISTIC_ENV)
    read = {name.upper() for name in Settings.model_fields}
    assert read - set(environment) == set()
    assert environment["PAYMENT_GATEWAY"] == "stripe"
    assert environment["STRIPE_API_KEY"] == "sk_live_0123456789abcdefghijklmn"
    assert environment["JWT_JWKS_FILE"] == "/keys/e-school.jwks.json"
    assert environment["DEPLOYMENT_MODE"] == "production"


def test_every_service_comes_back_after_a_crash_or_a_reboot(
    composecheck: Path, tmp_path: Path
) -> None:
    services = _services(composecheck, tmp_path, REALISTIC_ENV)
    assert {name: s.get("restart") for name, s in services.items()} == {
        "kafka": "unless-stopped",
        "postgres": "unless-stopped",
        "notifier": "unless-stopped",
    }


@pytest.mark.parametrize(
    ("port_line", "port"), [("", "9094"), ("KAFKA_EXTERNAL_PORT=19094", "19094")]
)
def test_the_diary_can_publish_from_outside_the_compose_network(
    composecheck: Path, tmp_path: Path, port_line: str, port: str
) -> None:
    kafka = _services(composecheck, tmp_path, REALISTIC_ENV + port_line + "\n")["kafka"]
    published = [(p["published"], p["target"]) for p in kafka["ports"]]
    assert published == [(port, 9094)]
    env = kafka["environment"]
    assert "EXTERNAL://:9094" in env["KAFKA_LISTENERS"].split(",")
    # Clients are sent to the advertised address: it must be the host's name and the
    # published port, or the diary's producer connects once and then goes astray.
    advertised = env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert f"EXTERNAL://notify.example.kz:{port}" in advertised
    assert "PLAINTEXT://kafka:9092" in advertised  # the service, inside the network
    assert "EXTERNAL:PLAINTEXT" in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")


def test_a_jwks_only_compose_deployment_starts_with_its_payment_gateway(
    composecheck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = _environment(composecheck, tmp_path, REALISTIC_ENV)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value or "")
    settings = load_settings()  # empty optional secrets must not stop start-up
    assert settings.internal_api_token is None
    assert settings.jwt_hs256_secret is None
    assert str(settings.jwt_jwks_file) == "/keys/e-school.jwks.json"
    assert settings.payment_gateway == "stripe"
    assert settings.stripe_api_key is not None
    assert settings.dev_payments_secret is None
    assert settings.deployment_mode == "production"
    assert settings_problems(settings) == []  # so production start-up does not refuse it


def test_docker_compose_file_is_valid(composecheck: Path) -> None:
    result = _check(
        composecheck, ROOT / "docker-compose.yml", POSTGRES_PASSWORD="x", LINK_SIGNING_SECRET="y",
        PAYMENT_GATEWAY="stripe", PUBLIC_BASE_URL="https://n.example.kz",
        KAFKA_EXTERNAL_HOST="n.example.kz",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "services: 3" in result.stdout


def test_compose_refuses_to_start_without_secrets(composecheck: Path) -> None:
    result = _check(composecheck, ROOT / "docker-compose.yml")
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr
    result = _check(
        composecheck, ROOT / "docker-compose.yml", POSTGRES_PASSWORD="x", LINK_SIGNING_SECRET="y",
        PAYMENT_GATEWAY="stripe", PUBLIC_BASE_URL="https://n.example.kz",
    )  # fmt: skip
    assert result.returncode != 0
    assert "KAFKA_EXTERNAL_HOST" in result.stderr


def test_the_checker_rejects_an_invalid_file(composecheck: Path, tmp_path: Path) -> None:
    bad = tmp_path / "compose.yml"
    bad.write_text("services:\n  a:\n    image: x\n    ports: 12\n")
    assert _check(composecheck, bad).returncode != 0
