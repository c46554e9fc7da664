"""The figures of each storm, printed at the end of the run so a report can quote them."""

from __future__ import annotations

from pathlib import Path

LINES: list[str] = []
FILE = Path(__file__).resolve().parents[2] / ".devdata" / "crash-figures.txt"


def record(line: str) -> None:
    LINES.append(line)
    print(line)
    FILE.parent.mkdir(exist_ok=True)
    with FILE.open("a", encoding="utf-8") as f:
        f.write(line + "\n")
