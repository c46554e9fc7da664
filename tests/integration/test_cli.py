"""`notifier …` as a user types it (the console script, in a folder of its own): every
command listed, settings only where needed, and bad input answered with one line and a
non-zero exit, never a traceback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import jwt
import pytest

from devstack import EmbeddedStack
from devstack.service import ServiceProcess
from notifier.__main__ import COMMANDS
from notifier.cli import devrun
from notifier.cli.token import TokenSettings
from notifier.settings import Settings

NOTIFIER = str(Path(sys.executable).parent / "notifier")  # `make install`'s console script
NOWHERE = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
           "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}  # fmt: skip
SECRET = "s" * 40
DOCUMENTED = ["serve", "migrate", "dev", "dev-env", "mint-token", "redrive", "digest"]


def notifier(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The console script in a folder without `make run`, with only the given settings."""
    clean = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    return subprocess.run(
        [NOTIFIER, *args], cwd=cwd, env=clean | env, capture_output=True, text=True, timeout=120
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_help_lists_every_command_with_one_line_each(tmp_path: Path) -> None:
    out = notifier("--help", cwd=tmp_path).stdout.splitlines()
    assert set(DOCUMENTED) <= set(COMMANDS)
    for name in COMMANDS:
        [line] = [line for line in out if line.split()[:1] == [name]]
        assert line.split(maxsplit=1)[1] == COMMANDS[name].help


def test_mint_token_needs_only_the_jwt_secret(tmp_path: Path) -> None:
    for dummies in ({}, {"DATABASE_URL": "x", "KAFKA_BOOTSTRAP_SERVERS": "y"}):
        result = notifier(
            "mint-token", "--sub", "f-1", "--role", "finance", cwd=tmp_path,
            JWT_HS256_SECRET=SECRET, **dummies,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        claims = jwt.decode(result.stdout.strip(), SECRET, algorithms=["HS256"],
                            audience="school-notifier")  # fmt: skip
        assert (claims["sub"], claims["role"]) == ("f-1", "finance")


def test_mint_token_without_its_secret_names_it(tmp_path: Path) -> None:
    result = notifier("mint-token", "--sub", "f-1", "--role", "finance", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "JWT_HS256_SECRET: Field required" in result.stderr
    assert "DATABASE_URL" not in result.stderr
    assert "make run" in result.stderr  # where a newcomer gets one


def test_token_settings_are_validated_as_the_service_validates_them() -> None:
    for name, field in TokenSettings.model_fields.items():
        assert field.metadata == Settings.model_fields[name].metadata, name
        if not field.is_required():
            assert field.default == Settings.model_fields[name].default, name


def test_a_busy_port_is_one_line_naming_http_port(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = notifier(
            "serve", cwd=tmp_path, HTTP_PORT=str(port), **NOWHERE
        )  # fmt: skip
    line = one_line_error(result)
    assert f"HTTP_PORT {port} is already in use" in line


def test_make_run_on_a_busy_port_stops_before_starting_any_server(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = notifier("dev", cwd=tmp_path, HTTP_PORT=str(port))
    assert f"HTTP_PORT {port} is already in use" in one_line_error(result)
    assert not (tmp_path / ".devdata" / "stack").exists()


def test_an_unreachable_broker_is_named_and_leaves_no_client_open(tmp_path: Path) -> None:
    result = notifier("redrive", "--topic", "diary.roster", cwd=tmp_path, **NOWHERE)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Unclosed" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("notifier redrive: cannot use Kafka (KAFKA_BOOTSTRAP_SERVERS)")


def test_a_malformed_week_is_one_line_before_anything_is_reached(tmp_path: Path) -> None:
    result = notifier("digest", "--school", "s-1", "--week", "2026-48", cwd=tmp_path)
    assert one_line_error(result) == ("notifier digest: not an ISO week (like 2026-W48): '2026-48'")


def test_an_unreachable_database_is_one_line_naming_database_url(tmp_path: Path) -> None:
    result = notifier(
        "digest", "--school", "s-1", "--week", "2026-W48", cwd=tmp_path, **NOWHERE
    )  # fmt: skip
    assert "cannot use PostgreSQL (DATABASE_URL)" in one_line_error(result)


def test_missing_settings_say_each_variable_once(tmp_path: Path) -> None:
    result = notifier("migrate", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("DATABASE_URL: Field required") == 1


def test_commands_beside_make_run_take_its_settings(tmp_path: Path) -> None:
    # This test process plays the running `make run` that published its state.
    devrun.publish({"JWT_HS256_SECRET": SECRET, "PUBLIC_BASE_URL": "http://127.0.0.1:1",
                    "INTERNAL_API_TOKEN": "t" * 32, "DATABASE_URL": "postgresql://x/y"},
                   tmp_path / devrun.STATE)  # fmt: skip
    assert (tmp_path / devrun.STATE).stat().st_mode & 0o777 == 0o600  # it holds secrets
    token = notifier("mint-token", "--sub", "a-1", "--role", "ops", cwd=tmp_path)
    assert jwt.decode(token.stdout.strip(), SECRET, algorithms=["HS256"],
                      audience="school-notifier")["role"] == "ops"  # fmt: skip
    exports = notifier("dev-env", cwd=tmp_path).stdout
    assert f"export JWT_HS256_SECRET={SECRET}\n" in exports
    assert "export PUBLIC_BASE_URL=http://127.0.0.1:1\n" in exports
    assert "DATABASE_URL" not in exports  # a later make run in that shell would use it
    theirs = notifier("mint-token", "--sub", "a-1", "--role", "ops", cwd=tmp_path,
                      JWT_HS256_SECRET="e" * 40)  # fmt: skip
    with pytest.raises(jwt.InvalidSignatureError):  # the environment wins
        jwt.decode(theirs.stdout.strip(), SECRET, algorithms=["HS256"], audience="school-notifier")


def test_a_state_left_by_a_dead_run_is_ignored(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    state = tmp_path / devrun.STATE
    state.parent.mkdir()
    state.write_text(f'{{"pid": {dead.stdout.strip()}, "environment": {{"A": "b"}}}}')
    assert devrun.running(state) == {}
    result = notifier("dev-env", cwd=tmp_path)
    assert "no `make run` is running in this folder" in one_line_error(result)


def test_an_unknown_school_is_one_line(tmp_path: Path, database_url: str) -> None:
    result = notifier(
        "digest", "--school", "no-such-school", "--week", "2026-W48", cwd=tmp_path,
        DATABASE_URL=database_url, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
    )  # fmt: skip
    assert one_line_error(result) == "notifier digest: no school 'no-such-school'"


def test_serve_listens_on_its_port_and_stops_cleanly_on_sigterm(
    tmp_path: Path, database_url: str, stack: EmbeddedStack
) -> None:
    """The socket bound before the app starts is the one it serves on."""
    service = ServiceProcess(
        {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": stack.kafka_bootstrap,
         "KAFKA_TOPIC_PREFIX": f"cli{uuid.uuid4().hex[:6]}.", "LOG_LEVEL": "WARNING"},
        tmp_path,
    )  # fmt: skip
    service.start()
    try:
        with urllib.request.urlopen(f"{service.url}/readyz", timeout=10) as ready:  # noqa: S310
            assert ready.status == 200
        service.kill(signal.SIGTERM)
        assert service.wait() == 0
    finally:
        service.stop()
    assert "Traceback" not in service.log_path.read_text()


def test_serve_names_the_server_it_cannot_reach(tmp_path: Path, database_url: str) -> None:
    no_database = notifier("serve", cwd=tmp_path, HTTP_PORT="0", **NOWHERE)
    assert one_line_error(no_database).startswith(
        "notifier serve: cannot use PostgreSQL (DATABASE_URL): "
    )
    no_broker = notifier("serve", cwd=tmp_path, HTTP_PORT="0", DATABASE_URL=database_url,
                         KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", LOG_LEVEL="ERROR")  # fmt: skip
    assert no_broker.returncode == 1
    last = no_broker.stderr.strip().splitlines()[-1]
    assert last.startswith("notifier serve: cannot use Kafka (KAFKA_BOOTSTRAP_SERVERS): ")
    assert "Traceback" not in no_broker.stderr
