"""Bearer tokens (JWT) issued by the core e-school system. We keep no passwords of our own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

import jwt
from aiohttp import web

from notifier import keys
from notifier.http.errors import ApiError
from notifier.settings import Settings

Role = Literal["parent", "school_admin", "finance", "ops", "service"]
ROLES: frozenset[str] = frozenset(get_args(Role))


@dataclass(frozen=True)
class Principal:
    subject: str  # parent id for parents, staff id for staff
    role: Role
    school_id: str | None  # set for school staff


class TokenVerifier:
    """Verifies signature, issuer, audience, expiry and not-before; `alg: none` never passes."""

    def __init__(self, settings: Settings) -> None:
        self._issuer, self._audience = settings.jwt_issuer, settings.jwt_audience
        self._keys: dict[str | None, tuple[Any, list[str]]] = {}
        if settings.jwt_hs256_secret is not None:
            self._keys[None] = (settings.jwt_hs256_secret.get_secret_value(), ["HS256"])
        if settings.jwt_public_key_file is not None:
            pem = settings.jwt_public_key_file.read_text()
            self._keys[None] = (pem, ["RS256", "ES256"])
        if settings.jwt_jwks_file is not None:
            jwks = jwt.PyJWKSet.from_dict(json.loads(settings.jwt_jwks_file.read_text()))
            for k in jwks.keys:
                self._keys[k.key_id] = (k.key, [k.algorithm_name])

    @property
    def configured(self) -> bool:
        return bool(self._keys)

    def verify(self, token: str) -> Principal:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key, algorithms = self._keys.get(kid) or self._keys[None]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "sub", "iss", "aud"]},
                leeway=30,
            )
        except (jwt.PyJWTError, KeyError) as exc:
            raise ApiError(401, "invalid_token", f"invalid bearer token: {exc}") from exc
        return _principal(claims)


def _principal(claims: dict[str, Any]) -> Principal:
    role = claims.get("role")
    if role not in ROLES:
        raise ApiError(401, "invalid_token", f"unknown role {role!r}")
    school_id = claims.get("school_id")
    if role in ("school_admin",) and not school_id:
        raise ApiError(401, "invalid_token", "staff tokens must carry school_id")
    return Principal(str(claims["sub"]), cast(Role, role), school_id)


def authenticate(request: web.Request, *roles: Role) -> Principal:
    """The caller, from `Authorization: Bearer`; 401 if missing or invalid, 403 for a role
    outside `roles` (when given)."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise ApiError(401, "unauthorized", "a bearer token is required")
    principal = request.app[keys.TOKEN_VERIFIER].verify(header.removeprefix("Bearer ").strip())
    if roles and principal.role not in roles:
        raise ApiError(403, "forbidden", f"this needs one of the roles: {', '.join(roles)}")
    return principal


def mint_token(
    settings: Settings,
    subject: str,
    role: Role,
    *,
    school_id: str | None = None,
    ttl_seconds: int = 3600,
    now: int | None = None,
) -> str:
    """A dev/test token signed with JWT_HS256_SECRET (`python -m notifier mint-token`)."""
    import time

    if settings.jwt_hs256_secret is None:
        raise RuntimeError("JWT_HS256_SECRET is not set; cannot mint tokens")
    issued = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "sub": subject,
        "role": role,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_seconds,
    }
    if school_id is not None:
        claims["school_id"] = school_id
    return jwt.encode(claims, settings.jwt_hs256_secret.get_secret_value(), algorithm="HS256")
