"""Turning pydantic validation errors into one short, human-readable line."""

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

_MAX_PROBLEMS = 5
_MAX_CHARS = 1000


def short_repr(value: object, limit: int = 80) -> str:
    """``repr`` of a producer's value, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(text: str) -> str:
    """Fold ``text`` onto one line of at most 1000 characters."""
    text = " ".join(text.splitlines())
    return text if len(text) <= _MAX_CHARS else text[: _MAX_CHARS - 3] + "..."


_ABSENT = object()


def _child(node: object, part: int | str) -> object:
    """The child ``part`` of ``node``, or ``_ABSENT``."""
    if isinstance(node, dict):
        return node.get(part, _ABSENT)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _ABSENT


def _path(loc: Sequence[int | str], data: object, missing: bool) -> list[int | str]:
    """The location in the document, without the tags pydantic adds for tagged unions.

    A name absent from the document is a tag, except the last one of a ``missing`` error.
    """
    path: list[int | str] = []
    node = data
    for i, part in enumerate(loc):
        child = _child(node, part)
        if child is _ABSENT and isinstance(node, dict) and not (missing and i == len(loc) - 1):
            continue  # a union tag such as "pupil.enrolled": not a place in the document
        node = child
        path.append(part)
    return path


def _render(path: list[int | str]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _describe(err: ErrorDetails, data: object) -> str:
    kind = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    where = _render(_path(err["loc"], data, missing=kind == "missing"))
    if kind == "missing":
        return f"missing field '{where}'"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        field = str(ctx.get("discriminator", "")).strip("'")
        node = err["input"]
        if kind == "union_tag_not_found" or not isinstance(node, dict) or field not in node:
            return f"missing field '{_join(where, field)}'"
        expected = str(ctx.get("expected_tags", "")).replace("'", "")
        got = short_repr(node[field])
        return f"unknown {_join(where, field)} {got} (expected one of: {expected})"
    if kind == "json_invalid":
        return f"not valid JSON: {ctx.get('error', err['msg'])}"
    if kind == "timezone_aware":
        message = "must be timezone-aware"
    elif kind in ("too_short", "string_too_short") and ctx.get("min_length") == 1:
        message = "must not be empty"
    elif kind == "value_error" and "error" in ctx:
        message = str(ctx["error"])
    else:
        message = err["msg"][:1].lower() + err["msg"][1:]
    return f"{where}: {message}" if where else message


def _follows(err: ErrorDetails, errors: list[ErrorDetails]) -> bool:
    """A list counted "too short" only because some of its items were invalid."""
    loc, n = err["loc"], len(err["loc"])
    return err["type"] == "too_short" and any(e["loc"][:n] == loc != e["loc"] for e in errors)


def describe(exc: ValidationError, data: object) -> str:
    """All problems of ``exc`` (``data`` is the parsed document) as one line."""
    errors = exc.errors(include_url=False)
    texts = (_describe(err, data) for err in errors if not _follows(err, errors))
    problems = list(dict.fromkeys(texts))
    if len(problems) > _MAX_PROBLEMS:
        hidden = len(problems) - _MAX_PROBLEMS
        problems = [*problems[:_MAX_PROBLEMS], f"and {hidden} more"]
    return one_line("; ".join(problems))
