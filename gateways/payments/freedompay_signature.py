"""Freedom Pay (formerly PayBox.money) message signatures, `pg_sig`, and its XML messages.

Followed: https://freedompay.kz/docs-en/merchant-api/intro ("Signature generation", the same
text at https://docs.freedompay.kz/doc-643556): join with ";" (1) the name of the called
script, from the last "/" to the end or "?"; (2) the values of all message fields in
alphabetical order of their names, pg_salt included, the rule applied recursively to nested
fields, fields with the same name in the order they appear; (3) the merchant's secret_key.
pg_sig is the MD5 of that string, 32 lowercase hex digits. Worked example from
https://freedompay.kz/docs-en/merchant-api/pay: "init_payment.php;25;test;{merchant_id};23;
molbulak;{secret_key}" for pg_amount=25, pg_description=test, pg_order_id=23, pg_salt=molbulak.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from urllib.parse import urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from gateways.payments.signatures import signature_matches

# A message: its fields in the order they came, a nested message for nested fields.
Fields = Sequence[tuple[str, "str | Fields"]]
_BRACKETS = re.compile(r"\[([^\]]*)\]")


def script_name(url: str) -> str:
    """The part of a URL's path after its last "/" (query excluded)."""
    return urlsplit(url).path.rsplit("/", 1)[-1]


def sign(script: str, fields: Fields, secret: str) -> str:
    joined = ";".join([script, *_values(fields), secret])
    return hashlib.md5(joined.encode(), usedforsecurity=False).hexdigest()


def verify(script: str, fields: Fields, secret: str) -> bool:
    """True if the message's pg_sig is the one `secret` gives (compared in constant time)."""
    given = next((v for k, v in fields if k == "pg_sig" and isinstance(v, str)), "")
    return signature_matches(sign(script, fields, secret), given)


def salt() -> str:
    return secrets.token_urlsafe(12).replace("-", "a").replace("_", "b")


def _values(fields: Fields) -> list[str]:
    ordered = sorted((f for f in fields if f[0] != "pg_sig"), key=lambda f: _order(f[0]))
    values: list[str] = []
    for _, value in ordered:  # sorted() is stable: same names keep their order
        values += [value] if isinstance(value, str) else _values(value)
    return values


def _order(name: str) -> tuple[int, int, str]:
    # Nested list indexes ("0", "1", ... "10") sort as numbers, as PHP's ksort does.
    return (0, int(name), "") if name.isdigit() else (1, 0, name)


def from_form(pairs: Sequence[tuple[str, str]]) -> Fields:
    """Form fields as received; PHP-style names ("a[b][c]") become nested fields."""
    root: list[tuple[str, str | Fields]] = []
    for name, value in pairs:
        head, *path = [name.split("[", 1)[0], *_BRACKETS.findall(name)]
        _put(root, [head, *path], value)
    return root


def _put(into: list[tuple[str, str | Fields]], path: list[str], value: str) -> None:
    if len(path) == 1:
        into.append((path[0], value))
        return
    for name, existing in into:
        if name == path[0] and isinstance(existing, list):
            _put(existing, path[1:], value)
            return
    nested: list[tuple[str, str | Fields]] = []
    into.append((path[0], nested))
    _put(nested, path[1:], value)


def parse_xml(text: bytes | str) -> Fields:
    """A Freedom Pay XML message (<response> or <request>) as fields, nesting kept."""
    # The standard parser does not fetch external entities, and expat >= 2.4 bounds entity
    # expansion; the XML comes from the gateway over TLS.
    return _children(ElementTree.fromstring(text))  # noqa: S314


def _children(element: ElementTree.Element) -> Fields:
    return [(child.tag, _children(child) if len(child) else child.text or "") for child in element]


def to_xml(fields: Sequence[tuple[str, str]], root: str = "response") -> str:
    body = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields)
    return f'<?xml version="1.0" encoding="utf-8"?>\n<{root}>{body}</{root}>'


def signed(script: str, fields: Sequence[tuple[str, str]], secret: str) -> list[tuple[str, str]]:
    """`fields` with pg_sig added (pg_salt must be among them)."""
    return [*fields, ("pg_sig", sign(script, fields, secret))]


def field(fields: Fields, name: str) -> str | None:
    """The first top-level field called `name`, if it holds a value."""
    return next((v for k, v in fields if k == name and isinstance(v, str)), None)


def nested(fields: Fields, name: str) -> Fields:
    return next((v for k, v in fields if k == name and not isinstance(v, str)), [])
