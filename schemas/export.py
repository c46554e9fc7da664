"""Generate the JSON Schema files from the pydantic models.

``python -m schemas.export`` writes ``schemas/json/<topic>/v<N>.schema.json`` for every topic
and version (and removes generated files that no longer belong to one);
``python -m schemas.export --check`` writes nothing and exits 1 if any file is stale.
"""

import argparse
import json
import sys
from pathlib import Path

from schemas.registry import TOPICS, Topic

__all__ = ["JSON_DIR", "expected_files", "main", "render", "stale_files"]

JSON_DIR = Path(__file__).resolve().parent / "json"
"""Where the generated JSON Schema files live."""
_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_ROOT = JSON_DIR.parent.parent


def _shown(path: Path) -> str:
    return str(path.relative_to(_ROOT)) if path.is_relative_to(_ROOT) else str(path)


def render(topic: Topic, version: int) -> str:
    """The JSON Schema of one topic version, as the exact text of its file."""
    schema = dict(topic.versions[version].json_schema(mode="validation"))
    schema["$schema"] = _DIALECT
    schema["title"] = f"{topic.name} v{version}"
    schema["description"] = (
        f"{topic.description} Message key: {topic.key}. Producer: {topic.producer}. "
        f"Dead-letter topic: {topic.dead_letter}."
    )
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_files(root: Path = JSON_DIR) -> dict[Path, str]:
    """Every file the models call for, with its contents."""
    return {
        root / topic.name / f"v{version}.schema.json": render(topic, version)
        for topic in TOPICS.values()
        for version in sorted(topic.versions)
    }


def stale_files(root: Path = JSON_DIR) -> list[tuple[str, Path]]:
    """``(problem, path)`` for every missing, outdated or orphaned file under ``root``."""
    expected = expected_files(root)
    problems: list[tuple[str, Path]] = []
    for path, text in expected.items():
        if not path.is_file():
            problems.append(("missing", path))
        elif path.read_text(encoding="utf-8") != text:
            problems.append(("stale", path))
    if root.is_dir():
        for path in sorted(root.glob("*/*.schema.json")):
            if path not in expected:
                problems.append(("orphaned", path))
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m schemas.export", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    args = parser.parse_args(argv)
    problems = stale_files()
    if args.check:
        for problem, path in problems:
            print(f"{problem}: {_shown(path)}", file=sys.stderr)
        if problems:
            print("JSON Schema files are out of date: run `make schemas`", file=sys.stderr)
        return 1 if problems else 0
    for path, text in expected_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    for problem, path in problems:
        if problem == "orphaned":
            path.unlink()
        print(f"{'removed' if problem == 'orphaned' else 'wrote'}: {_shown(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
