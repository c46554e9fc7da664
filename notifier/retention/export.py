"""A detached month of the outbox written to a gzip CSV file, checked, with its manifest.

The file is written as `<name>.csv.gz.part` and renamed once complete, then read back and
its rows counted (a CSV reader: a text may span lines); the manifest `<name>.json` is written
last, so a file with a manifest is complete. To read a file back into a table for an audit:
README, "Retention and archiving".
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from billing.types import Conn
from notifier.retention import RetentionError, on_table


class ExportMismatch(RetentionError):
    """The file read back does not hold the table's rows: nothing is dropped."""


@dataclass(frozen=True)
class Export:
    file: Path
    rows: int
    sha256: str
    keep_until: str  # ISO date: the file is evidence of charges until then


def matches(directory: Path, table: str, rows: int) -> Export | None:
    """The export an earlier run completed for `table`, if its file still matches."""
    manifest = directory / f"{table}.json"
    if not manifest.exists():
        return None
    saved = json.loads(manifest.read_text("utf-8"))
    export = Export(directory / saved["file"], saved["rows"], saved["sha256"], saved["keep_until"])
    if export.rows != rows or not export.file.exists() or _sha256(export.file) != export.sha256:
        return None
    return export


async def export_table(
    conn: Conn, table: str, directory: Path, rows: int, keep_until: date
) -> Export:
    target = directory / f"{table}.csv.gz"
    partial = target.with_name(target.name + ".part")
    with gzip.open(partial, "wb") as out:

        async def write(chunk: bytes) -> None:
            out.write(chunk)

        await conn.copy_from_query(
            on_table(table, "SELECT * FROM {table} ORDER BY id"),
            output=write,
            format="csv",
            header=True,
        )
    _fsync(partial)
    partial.replace(target)
    found = _count_rows(target)
    if found != rows:
        raise ExportMismatch(f"{target} holds {found} rows, {table} {rows}; {table} is kept")
    export = Export(target, rows, _sha256(target), keep_until.isoformat())
    manifest = directory / f"{table}.json"
    saved = {**asdict(export), "file": target.name, "table": table}
    manifest.with_suffix(".part").write_text(json.dumps(saved, indent=2) + "\n", "utf-8")
    _fsync(manifest.with_suffix(".part"))
    manifest.with_suffix(".part").replace(manifest)
    return export


def _count_rows(path: Path) -> int:
    with gzip.open(path, "rb") as raw, io.TextIOWrapper(raw, "utf-8", newline="") as text:
        reader = csv.reader(text)
        next(reader, None)  # the header
        return sum(1 for _ in reader)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    with path.open("rb") as f:
        os.fsync(f.fileno())
