"""What a parent on a phone (or with a screen reader) would notice, checked in the browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.async_api import Page

DOCS = Path(__file__).resolve().parents[2] / "docs"

# The accessible name a label gives a field (its <label>, else aria-label), spaces collapsed.
_LABEL_OF = """el => ((el.labels && el.labels[0] ? el.labels[0].textContent : null)
    ?? el.getAttribute('aria-label') ?? '').replace(/\\s+/g, ' ').trim()"""


async def unlabelled_fields(page: Page) -> list[str]:
    """Visible inputs and selects that `get_by_label` cannot find by their own label."""
    fields = page.locator("input:visible, select:visible")
    missing = []
    for index in range(await fields.count()):
        field = fields.nth(index)
        field_id = await field.get_attribute("id")
        name = await field.evaluate(_LABEL_OF)
        found = await page.get_by_label(name, exact=True).evaluate_all("els => els.map(e => e.id)")
        if not name or field_id not in found:
            missing.append(f"{field_id or await field.evaluate('el => el.outerHTML')}: {name!r}")
    return missing


async def horizontal_overflow(page: Page) -> int:
    """Pixels the page is wider than the screen (0: no sideways scrolling)."""
    overflow: int = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return overflow


def publish_screenshot(source: Path, name: str = "manager.png") -> Path | None:
    """The README shows the pages as the browser tests saw them. Refreshed only on request
    (`UPDATE_DOCS_SCREENSHOT=1 make test`), so a test run leaves the tree clean."""
    if os.environ.get("UPDATE_DOCS_SCREENSHOT") != "1":
        return None
    DOCS.mkdir(exist_ok=True)
    return Path(shutil.copyfile(source, DOCS / name))
