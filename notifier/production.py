"""What production requires (DEPLOYMENT_MODE=production; README "Deployment").

Production refuses to start on settings that would charge parents for SMS nobody receives,
lock every parent and staff member out, or offer a top-up that cannot complete. Each check
returns one line per problem, naming the variable and what to set, and `create_app` refuses
with all of them at once (`StartupRefused`). The settings checks are pure; the token key
files are read (through the real verifier) before anything connects; the schools' countries
need the database, so their routes are checked right after it opens (a school that arrives
later in a country without a route has its SMS failed ("no SMS route") and its money
released, never charged).
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

import jwt
import phonenumbers
from aiohttp import web

from notifier import keys
from notifier.http.auth import TokenVerifier
from notifier.settings import ConfigError, Settings

REAL_ROUTES_EXAMPLE = '{"+7": ["smpp"], "+996": ["nikita"]}'
_MOUNT = "put the e-school system's key there (compose mounts JWT_KEYS_DIR at /keys)"


class StartupRefused(ConfigError):
    """Production start-up refused: `problems` holds one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"refusing to start (DEPLOYMENT_MODE=production):\n{lines}")


def settings_problems(s: Settings) -> list[str]:
    """Every reason these settings are unsafe in production; [] when there is none."""
    return [*_sms(s), *_identity(s), *_payments(s), *_public_url(s)]


def unrouted_countries(
    routes: Mapping[str, Sequence[str]], schools: Mapping[str, int]
) -> list[str]:
    """A problem per country with schools (country -> how many) whose numbers no route
    covers. Checked by calling code: "+7", "+77" and "*" all cover KZ."""
    problems = []
    for country, count in sorted(schools.items()):
        code = f"+{phonenumbers.country_code_for_region(country)}"
        if "*" in routes or any(p.startswith(code) or code.startswith(p) for p in routes):
            continue
        problems.append(
            f"SMS_ROUTES: no route for {code} numbers, but {count} school(s) in {country} use"
            f' this service, so their parents would get no SMS; add a "{code}" route or "*"'
        )
    return problems


def key_file_problems(s: Settings) -> list[str]:
    """A problem per token key file that cannot be read or holds no usable key (it reads
    them: a missing mount would otherwise refuse every token, or crash the start)."""
    problems = []
    for variable, field in (("JWT_PUBLIC_KEY_FILE", "jwt_public_key_file"),
                            ("JWT_JWKS_FILE", "jwt_jwks_file")):  # fmt: skip
        path = getattr(s, field)
        if path is None:
            continue
        only = {"jwt_hs256_secret": None, "jwt_public_key_file": None, "jwt_jwks_file": None}
        try:
            usable = TokenVerifier(s.model_copy(update=only | {field: path})).configured
        except (OSError, ValueError, jwt.PyJWTError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            problems.append(f"{variable}: cannot use {path} ({reason}); {_MOUNT}")
            continue
        if not usable:
            problems.append(f"{variable}: {path} holds no usable key; {_MOUNT}")
    return problems


def check_settings(s: Settings) -> None:
    """Raise StartupRefused in production when the settings are unsafe."""
    if s.deployment_mode != "production":
        return
    problems = settings_problems(s) + key_file_problems(s)
    if problems:
        raise StartupRefused(problems)


async def schools_have_routes(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context, after the database: every school's country has an SMS route."""
    async with app[keys.POOL].acquire() as conn:
        rows = await conn.fetch("SELECT country, count(*) AS n FROM schools GROUP BY country")
    problems = unrouted_countries(app[keys.SETTINGS].sms_routes, {r[0]: r[1] for r in rows})
    if problems:
        raise StartupRefused(problems)
    yield


def _sms(s: Settings) -> Iterable[str]:
    if "sms_routes" not in s.model_fields_set:
        yield (
            "SMS_ROUTES: unset, so every SMS would go to the dev provider (a file, not a phone)"
            f" while parents are charged for it; set real providers, e.g. {REAL_ROUTES_EXAMPLE}"
        )
        return
    for prefix, names in s.sms_routes.items():
        if "dev" in names:
            yield (
                f'SMS_ROUTES: route "{prefix}" names the dev provider (a file, not a phone),'
                " which parents would be charged for; name real providers (smpp, mobizon, nikita)"
            )


def _identity(s: Settings) -> Iterable[str]:
    if not (s.jwt_hs256_secret or s.jwt_jwks_file or s.jwt_public_key_file):
        yield (
            "JWT_HS256_SECRET / JWT_JWKS_FILE / JWT_PUBLIC_KEY_FILE: none set, so every parent"
            " and staff token would be refused; set the key the e-school system signs tokens with"
        )
    if s.link_signing_secret is None:
        yield (
            "LINK_SIGNING_SECRET: unset, so parents could not save a subscription or verify a"
            " phone (503); set at least 32 random characters"
        )


def _payments(s: Settings) -> Iterable[str]:
    if s.payment_gateway == "dev":
        yield (
            "PAYMENT_GATEWAY: dev credits wallets without payment; set stripe or freedompay"
            " (with its keys)"
        )
    if s.dev_payments_secret is not None:
        yield (
            "DEV_PAYMENTS_SECRET: set, which turns on the dev gateway (wallets credited without"
            " payment); leave it empty"
        )
    if s.payment_gateway == "stripe" or s.stripe_api_key is not None:
        if s.stripe_api_key is None:
            yield "STRIPE_API_KEY: unset, so no Stripe top-up can start; set the secret key"
        if s.stripe_webhook_secret is None:
            yield (
                "STRIPE_WEBHOOK_SECRET: unset, so Stripe's confirmations are refused and paid"
                " top-ups never reach wallets; set the webhook endpoint's signing secret (whsec_)"
            )
    freedompay = s.freedompay_merchant_id or s.freedompay_secret_key
    if s.payment_gateway == "freedompay" or freedompay:
        if not s.freedompay_merchant_id:
            yield "FREEDOMPAY_MERCHANT_ID: unset, so no Freedom Pay top-up can start; set it"
        if s.freedompay_secret_key is None:
            yield (
                "FREEDOMPAY_SECRET_KEY: unset, so Freedom Pay top-ups cannot be signed or"
                " confirmed; set the merchant's secret key"
            )


def _public_url(s: Settings) -> Iterable[str]:
    host = urlsplit(s.public_base_url).hostname or ""
    if _loopback(host):
        yield (
            f"PUBLIC_BASE_URL: {s.public_base_url} is this machine only, so payment returns and"
            " unsubscribe links would lead parents nowhere; set the address parents' browsers"
            " and payment gateways reach this service at, e.g. https://notify.example.kz"
        )


def _loopback(host: str) -> bool:
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified
