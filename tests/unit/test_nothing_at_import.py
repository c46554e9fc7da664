"""Importing the service computes nothing: no digest is built, nothing connects."""

from __future__ import annotations

import subprocess
import sys

# In a fresh interpreter: the digest builder refuses to run, then the whole app is imported.
SCRIPT = """
import notifier.digest.budget as budget
def refuse(*args, **kwargs):
    raise AssertionError("a digest was built at import time")
budget.fit_digest = refuse
import notifier.app
"""


def test_importing_the_app_builds_no_digest() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
