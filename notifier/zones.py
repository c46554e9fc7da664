"""IANA time zones from the pinned ``tzdata`` package, never from the host's zoneinfo.

Schools are scheduled in their local time, and a host with stale zone files would send
Almaty's digests an hour late (Asia/Almaty moved from UTC+6 to UTC+5 on 1 March 2024,
tzdata 2024a). Reading the package's files makes the answer the same on every machine.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module, resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class UnknownZone(ZoneInfoNotFoundError):
    """A zone name that the shipped tzdata does not know."""


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The zone called ``name`` (e.g. "Asia/Almaty") as the shipped tzdata defines it."""
    parts = name.split("/")
    if not name or any(p in ("", ".", "..") for p in parts):
        raise UnknownZone(f"not an IANA zone name: {name!r}")
    path = resources.files("tzdata.zoneinfo").joinpath(*parts)
    if not path.is_file():
        raise UnknownZone(f"no time zone {name!r} in the shipped tzdata")
    with path.open("rb") as data:
        return ZoneInfo.from_file(data, key=name)


def tzdata_version() -> str:
    """The IANA release of the shipped tzdata, e.g. "2026a"."""
    return str(import_module("tzdata").IANA_VERSION)
