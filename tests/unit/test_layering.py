"""The layers of the house, read from the source: views decode, call a use case and encode;
use cases (notifier/topups) open transactions and call billing; nothing climbs back up."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

from notifier.http.errors import ERRORS

ROOT = Path(__file__).resolve().parents[2]
HTTP = ROOT / "notifier" / "http"
TOPUPS = ROOT / "notifier" / "topups"
# What a view may take from billing besides types and constants: its errors, how money is
# written and the read-only finance reports.
BILLING_FOR_VIEWS = {"billing.errors", "billing.money", "billing.reports"}
PAYMENTS = ("billing", "gateways.payments", "notifier.topups")


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every import in the file, wherever it stands."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
    return found


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _billing_operations(module: str, names: list[str]) -> list[str]:
    """The functions (operations, as opposed to types and constants) a view takes."""
    if module in BILLING_FOR_VIEWS:
        return []
    if not names:
        return [module]  # `import billing.x`: the whole module, operations and all
    loaded = importlib.import_module(module)
    return [f"{module}.{n}" for n in names if inspect.isfunction(getattr(loaded, n, None))]


def test_no_view_calls_a_billing_operation() -> None:
    offenders = {
        str(path.relative_to(ROOT)): ops
        for path in _modules(HTTP)
        if (
            ops := [
                op
                for module, names in _imports(path)
                if _under(module, "billing")
                for op in _billing_operations(module, names)
            ]
        )
    }
    assert offenders == {}, "views reach into billing; call a use case (notifier/topups)"


def test_no_view_opens_a_transaction_for_a_payment() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in _modules(HTTP)
        if ".transaction(" in path.read_text()
        and any(
            _under(module, package) and module not in BILLING_FOR_VIEWS
            for module, _ in _imports(path)
            for package in PAYMENTS
        )
    ]
    assert offenders == [], "a payment's transaction belongs to its use case (notifier/topups)"


def test_the_top_up_use_cases_import_nothing_from_http() -> None:
    modules = _modules(TOPUPS)
    assert modules, "the top-up use cases live in notifier/topups"
    climbing = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in modules
        for module, _ in _imports(path)
        if _under(module, "notifier.http")
    ]
    assert climbing == []


def _http_loaded_by(*modules: str) -> list[str]:
    """notifier.http modules loaded, directly or not, by importing `modules` afresh."""
    script = (
        "import importlib, sys\n"
        f"for name in {list(modules)!r}: importlib.import_module(name)\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('notifier.http')))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return run.stdout.split()


def test_scheduled_jobs_and_use_cases_load_no_http() -> None:
    use_cases = [f"notifier.topups.{p.stem}" for p in _modules(TOPUPS) if p.stem != "__init__"]
    assert _http_loaded_by("notifier.jobs", *use_cases) == []


def test_errors_become_http_answers_in_one_table() -> None:
    """Only notifier/http/errors.py writes an error body, and no row of its table is hidden
    behind an earlier row for one of its base classes."""
    writers = [
        str(path.relative_to(ROOT))
        for path in _modules(ROOT / "notifier")
        if path != HTTP / "errors.py"
        and any(name == "error_response" for _, names in _imports(path) for name in names)
    ]
    assert writers == []
    kinds = [kind for kind, _ in ERRORS]
    shadowed = [
        (later.__name__, earlier.__name__)
        for i, later in enumerate(kinds)
        for earlier in kinds[:i]
        if issubclass(later, earlier)
    ]
    assert shadowed == []
