"""The Apache Kafka runtime: the pinned POM, its jars (fetched by Maven once), the JDK."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from devstack.errors import InfraError
from devstack.process import log_tail

RESOURCES = Path(__file__).parent / "apache-kafka"
POM = RESOURCES / "pom.xml"
LOG4J2_CONFIG = RESOURCES / "log4j2.properties"
_POM_NAMESPACE = {"m": "http://maven.apache.org/POM/4.0.0"}

# The first run also downloads Maven's own plugins; a slow mirror day can take minutes.
_MVN_TIMEOUT = 900


@functools.cache
def kafka_version() -> str:
    """The Kafka version pinned in ``pom.xml`` (its ``kafka.version`` property)."""
    # The POM is our own file, not untrusted input.
    root = ET.parse(POM).getroot()  # noqa: S314
    node = root.find("m:properties/m:kafka.version", _POM_NAMESPACE)
    version = (node.text or "").strip() if node is not None else ""
    if not version:
        raise InfraError(f"{POM} does not set the kafka.version property")
    return version


@functools.cache
def java_major(java: str) -> int | None:
    """Feature release of the ``java`` executable (8, 11, 17, ...), None if unknown."""
    try:
        result = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    # Java 8 and older report themselves as "1.8.0_x".
    return int(match.group(2) or 0) if major == 1 else major


def ensure_jars(pom: Path, version_dir: Path) -> Path:
    """Return ``version_dir/jars`` holding every runtime jar ``pom`` depends on.

    The copy counts as complete only with a marker naming the POM's hash and the jars, so
    an interrupted download or an edited POM triggers a fresh copy. A file lock keeps
    concurrent first starts (e.g. two test sessions) from copying at the same time.
    """
    version_dir.mkdir(parents=True, exist_ok=True)
    jars = version_dir / "jars"
    marker = version_dir / "jars.complete"
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    if _complete(jars, marker, digest):
        return jars
    with open(version_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _complete(jars, marker, digest):
            return jars
        staging = version_dir / f"jars.{os.getpid()}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        _copy_dependencies(pom, staging, version_dir / "mvn.log")
        names = sorted(path.name for path in staging.glob("*.jar"))
        if not names:
            raise InfraError(f"mvn copied no jars into {staging}")
        marker.unlink(missing_ok=True)
        # Class-data archives (see devstack.cds) describe the old jars.
        for archive in version_dir.glob("*.jsa"):
            archive.unlink(missing_ok=True)
        shutil.rmtree(jars, ignore_errors=True)
        staging.rename(jars)
        marker.write_text(json.dumps({"pom_sha256": digest, "jars": names}), encoding="utf-8")
    return jars


def _complete(jars: Path, marker: Path, digest: str) -> bool:
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(recorded, dict) or recorded.get("pom_sha256") != digest:
        return False
    names = recorded.get("jars")
    return isinstance(names, list) and all((jars / str(name)).is_file() for name in names)


def _copy_dependencies(pom: Path, output: Path, log_path: Path) -> None:
    argv = [
        "mvn",
        "--batch-mode",
        "--quiet",
        "-f",
        str(pom),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={output}",
        "-DincludeScope=runtime",
    ]
    with open(log_path, "wb") as log:
        try:
            result = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=output.parent,
                timeout=_MVN_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise InfraError(
                f"fetching the Apache Kafka jars with Maven failed: {exc}; "
                f"log {log_path}:\n{log_tail(log_path)}"
            ) from exc
    if result.returncode != 0:
        raise InfraError(
            f"fetching the Apache Kafka jars with Maven failed (exit status {result.returncode}); "
            f"log {log_path}:\n{log_tail(log_path)}"
        )
