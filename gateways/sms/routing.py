"""Which providers may carry an SMS to a number, in order of preference (pure).

Routes come from SMS_ROUTES, e.g. '{"+77": ["smpp", "mobizon"], "+996": ["nikita"],
"*": ["dev"]}': the longest matching E.164 prefix wins, "*" is the default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

Routes = Mapping[str, Sequence[str]]
_PREFIX = re.compile(r"\+\d{1,6}")


class InvalidRoutes(ValueError):
    """SMS_ROUTES names a bad prefix, an empty list or a provider that is not configured."""


def validate_routes(routes: Routes, available: Sequence[str]) -> dict[str, list[str]]:
    checked: dict[str, list[str]] = {}
    for prefix, names in routes.items():
        if prefix != "*" and not _PREFIX.fullmatch(prefix):
            raise InvalidRoutes(f"route {prefix!r}: a prefix is '+' and digits, or '*'")
        if not names:
            raise InvalidRoutes(f"route {prefix!r} names no provider")
        missing = [n for n in names if n not in available]
        if missing:
            raise InvalidRoutes(f"route {prefix!r}: {', '.join(missing)} not configured")
        checked[prefix] = list(dict.fromkeys(names))
    return checked


def route_for(routes: Routes, phone: str) -> list[str]:
    """Provider names for this E.164 number, most preferred first; [] when none."""
    matching = [p for p in routes if p != "*" and phone.startswith(p)]
    if matching:
        return list(routes[max(matching, key=len)])
    return list(routes.get("*", ()))
