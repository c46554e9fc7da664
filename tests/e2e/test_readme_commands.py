"""Every shell command in README.md works exactly as written.

`notifier dev` (what `make run` runs) is started once, as a user would start it, in a copy of
the project folder (links to its files, a `.devdata` of its own, any free HTTP port); then
each `sh` block of README runs there in one bash, line by line, with none of the service's
variables set: the commands must find the running service by themselves. Lines ending in a
`# needs: <outside system>` comment and `make` targets (which would recurse: `make run` is
the service started here, `make test` is CI) are not run; README says so under "These
blocks are tested".
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest

from notifier.cli import devrun
from notifier.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\S*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
LANGUAGES = {"sh", "text", "json", "dotenv"}
NEEDS = re.compile(r"#\s*needs:\s*\S")
READY_SECONDS = 180.0


def blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(README) if lang == language]


def commands(block: str) -> list[str]:
    """The block's commands: continuation lines joined, blank and comment lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line.strip() for line in joined.splitlines() if line.strip()[:1] not in ("", "#")]


def not_run(command: str) -> str | None:
    """Why a README command is not run here, or None."""
    if NEEDS.search(command):
        return "needs an outside system"
    if shlex.split(command, comments=True)[0] == "make":
        return "a make target: would recurse (make run is started here, make test is CI)"
    return None


def clean_environment() -> dict[str, str]:
    """A user's shell: none of the service's variables set."""
    return {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}


@pytest.fixture(scope="module")
def project() -> Iterator[Path]:
    """A folder that looks like a fresh checkout with `make install` done."""
    data = ROOT / ".devdata"
    data.mkdir(exist_ok=True)
    # Under the project: PostgreSQL runs as a user of its own when we are root.
    folder = Path(tempfile.mkdtemp(prefix="readme-", dir=data))
    folder.chmod(0o755)
    for entry in ROOT.iterdir():
        if entry.name not in (".devdata", ".git"):
            (folder / entry.name).symlink_to(entry)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def dev_run(project: Path) -> Iterator[Path]:
    """`notifier dev` running in `project`, ready; yields its console log."""
    log = project / "dev.log"
    env = clean_environment() | {"HTTP_PORT": "0", "PYTHONUNBUFFERED": "1"}
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(project / ".venv/bin/notifier"), "dev"],
            cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not devrun.running(project / devrun.STATE):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"notifier dev did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_every_fenced_block_names_its_language() -> None:
    """So a shell block cannot hide from this test as an untagged one."""
    assert {lang for lang, _ in FENCE.findall(README)} <= LANGUAGES
    assert README.count("\n```") == 2 * len(FENCE.findall(README))  # every fence was parsed


def test_only_marked_lines_and_make_targets_are_left_out() -> None:
    assert not_run("stripe listen --forward-to localhost  # needs: a Stripe account") is not None
    assert not_run("make run    # terminal 1") is not None
    assert not_run("make test") is not None
    assert not_run(".venv/bin/notifier migrate  # needs no comment to run") is None
    assert not_run('curl -fsS "$PUBLIC_BASE_URL/readyz"') is None
    assert commands("a \\\n  b\n# c\n\nd\n") == ["a  b", "d"]  # as bash joins them


def test_readme_has_commands_to_run() -> None:
    runnable = [c for block in blocks("sh") for c in commands(block) if not_run(c) is None]
    assert any(c.startswith(".venv/bin/notifier digest") for c in runnable)
    assert any(c.startswith("curl") for c in runnable)


@pytest.mark.parametrize("block", blocks("sh"), ids=lambda b: commands(b)[0][:40])
def test_readme_shell_block_works_as_written(block: str, project: Path, dev_run: Path) -> None:
    script = ["set -euo pipefail"]
    for command in commands(block):
        if not_run(command) is None:
            script += [f"echo {shlex.quote('$ ' + command)}", command]
    if len(script) == 1:
        pytest.skip("nothing here is run: " + "; ".join(commands(block)))
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)], cwd=project, env=clean_environment(),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, (
        f"a README command failed (the last one echoed):\n{result.stdout[-4000:]}\n"
        f"{result.stderr[-4000:]}"
    )


def test_make_run_prints_the_servers_and_working_staff_token_commands(
    project: Path, dev_run: Path
) -> None:
    console = dev_run.read_text()
    assert re.search(r"^  PostgreSQL: postgresql://\S+$", console, re.MULTILINE), console
    assert re.search(r"^  Kafka: +\S+:\d+$", console, re.MULTILINE), console
    printed = re.findall(r"^  [a-z ]+: +(\.venv/bin/notifier mint-token .*)$", console, re.M)
    secret = devrun.running(project / devrun.STATE)["JWT_HS256_SECRET"]
    roles = set()
    for command in printed:
        token = subprocess.run(
            shlex.split(command), cwd=project, env=clean_environment(),
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        roles.add(
            jwt.decode(token, secret, algorithms=["HS256"], audience="school-notifier")["role"]
        )
    assert roles == {"school_admin", "finance", "ops"}


def test_make_run_says_what_became_of_the_demo_weeks_digests(dev_run: Path) -> None:
    """Whatever the day: the scheduler's first tick, a minute after start, sends them."""
    deadline = time.monotonic() + READY_SECONDS
    while "demo: weekly digests of" not in (console := dev_run.read_text()):
        assert time.monotonic() < deadline, console[-3000:]
        time.sleep(1)
    assert re.search(
        r"^demo: weekly digests of \d{4}-W\d\d sent by the scheduler: 50 queued", console, re.M
    ), console
    assert "to send them now" not in console
