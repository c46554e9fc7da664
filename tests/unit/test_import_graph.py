"""The packages import each other in one direction: no circles, and (almost) nothing upward.

The graph is read from the source with `ast` (every `import`, including function-local ones
and those under `TYPE_CHECKING`), so a circle cannot hide behind a late import.

Layers, bottom up: `schemas` (event contracts); `gateways` (providers' adapters) and `billing`
(money), one layer, as gateways speak in billing's money types and billing in gateways'
payment results; the notifier's core (`notifier.*` except what follows), its edges (`notifier.http`,
`notifier.web`) and the wiring (`notifier.app`, `notifier.lifecycle`, `notifier.__main__`,
`notifier.demo`, and `notifier.production`, the start-up checks that read key files through
the same verifier the HTTP edge uses). A module may import its own layer or any below it.

No upward dependency is left: the last two (`notifier.jobs` reaching into `notifier.http` for
payment expiry and reconciliation) left when top-ups got their use-case home, `notifier.topups`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("schemas", "gateways", "billing", "notifier")
EDGES = ("http", "web")
WIRING = ("app", "lifecycle", "__main__", "demo", "production")
MAX_UPWARD = 0


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project's modules `name` imports (a package import counts as its __init__)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    wanted: list[str] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            wanted += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            wanted += [f"{base}.{alias.name}" for alias in node.names]
    return {found for w in wanted if (found := _known(w, known)) and found != name}


def _known(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = stack[stack.index(node) :]
                    del stack[stack.index(node) :]
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in stack:
                low[node] = min(low[node], index[child])
    return found


def layer(module: str) -> int:
    parts = module.split(".")
    if parts[0] != "notifier":
        return {"schemas": 0, "gateways": 1, "billing": 1}[parts[0]]
    if len(parts) > 1 and parts[1] in WIRING:
        return 5
    if len(parts) > 1 and parts[1] in EDGES:
        return 4
    return 3


def upward(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((a, b) for a, targets in edges.items() for b in targets if layer(b) > layer(a))


def test_no_module_imports_itself_through_others() -> None:
    assert circles(graph()) == []


def test_no_import_runs_upward() -> None:
    found = upward(graph())
    assert len(found) <= MAX_UPWARD, "\n".join(f"{a} -> {b}" for a, b in found)


def test_gateways_import_nothing_from_the_service() -> None:
    edges = graph()
    assert [(a, b) for a, b in upward(edges) if a.startswith("gateways")] == []


def test_the_circle_finder_finds_a_hidden_circle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(edges) == [["a", "b", "c"]]
