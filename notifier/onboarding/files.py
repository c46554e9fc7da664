"""Reading an import file: CSV with a header or JSON Lines, told apart by the name's extension
(.csv, .jsonl, .ndjson) or else by its first character ("{" is JSON Lines).

A line that is not valid JSON (or a CSV row with more cells than the header) is a record of
its own that the checks reject with its line number; it never stops the lines after it.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from notifier.onboarding.rows import BROKEN, COLUMNS, Kind, Record

Format = Literal["csv", "jsonl"]
_CHUNK = 1 << 20


class FileProblem(ValueError):
    """The file as a whole cannot be imported (unreadable, or a required column is missing)."""


def file_format(path: Path) -> Format:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    with path.open("rb") as f:
        start = f.read(4096).lstrip()
    return "jsonl" if start.startswith(b"{") else "csv"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def count_lines(path: Path) -> int:
    """Lines in the file, for the progress bar's ETA (a CSV header is counted, close enough)."""
    lines = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            lines += chunk.count(b"\n")
    return lines


def records(path: Path, kind: Kind) -> Iterator[tuple[int, Record]]:
    """(line number, record) for every row of the file."""
    if file_format(path) == "jsonl":
        with path.open(encoding="utf-8-sig") as f:
            yield from json_records(enumerate(f, start=1))
        return
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f, restkey=BROKEN)
        missing = [c for c, d in COLUMNS[kind].items() if d is None]
        missing = [c for c in missing if c not in (reader.fieldnames or [])]
        if missing:
            raise FileProblem(f"{path}: the header lacks the column(s) {', '.join(missing)}")
        yield from enumerate(reader, start=2)


def json_records(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, Record]]:
    """Records of numbered JSON lines; blank lines are skipped."""
    for number, line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        yield number, record if isinstance(record, dict) else {BROKEN: line.strip()[:200]}
