"""Bearer tokens (JWT) issued by the core e-school system. We keep no passwords of our own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast, get_args

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pydantic import SecretStr

from notifier.http.errors import ApiError
from notifier.settings import Settings

Role = Literal["parent", "school_admin", "teacher", "finance", "ops", "service"]
ROLES: frozenset[str] = frozenset(get_args(Role))


@dataclass(frozen=True)
class Principal:
    subject: str  # parent id for parents, staff id for staff
    role: Role
    school_id: str | None  # set for school staff


class TokenVerifier:
    """Verifies signature, issuer, audience, expiry and not-before; `alg: none` never passes.

    The key comes from the token's `kid` when the JWKS file names it, otherwise from its `alg`
    among the configured keys (HS256 secret, RS256/ES256 PEM). The algorithm is always the one
    configured with the key, so a token cannot pick, say, HS256 over an RSA public key.
    """

    def __init__(self, settings: Settings) -> None:
        self._issuer, self._audience = settings.jwt_issuer, settings.jwt_audience
        self._by_kid: dict[str, tuple[Any, str]] = {}
        self._by_alg: dict[str, Any] = {}
        if settings.jwt_hs256_secret is not None:
            self._by_alg["HS256"] = settings.jwt_hs256_secret.get_secret_value()
        if settings.jwt_public_key_file is not None:
            key = load_pem_public_key(settings.jwt_public_key_file.read_bytes())
            self._by_alg[_pem_algorithm(key)] = key
        if settings.jwt_jwks_file is not None:
            jwks = jwt.PyJWKSet.from_dict(json.loads(settings.jwt_jwks_file.read_text()))
            for k in jwks.keys:
                if k.key_id:
                    self._by_kid[k.key_id] = (k.key, k.algorithm_name)
                else:
                    self._by_alg[k.algorithm_name] = k.key

    @property
    def configured(self) -> bool:
        return bool(self._by_kid or self._by_alg)

    def verify(self, token: str) -> Principal:
        try:
            key, algorithm = self._key_for(jwt.get_unverified_header(token))
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "sub", "iss", "aud"]},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise ApiError(401, "invalid_token", f"invalid bearer token: {exc}") from exc
        return _principal(claims)

    def _key_for(self, header: dict[str, Any]) -> tuple[Any, str]:
        kid, alg = header.get("kid"), header.get("alg")
        if isinstance(kid, str) and kid in self._by_kid:
            return self._by_kid[kid]
        if isinstance(alg, str) and alg in self._by_alg:
            return self._by_alg[alg], alg
        raise jwt.InvalidAlgorithmError(f"no key accepts tokens signed with {alg!r}")


TOKEN_VERIFIER = web.AppKey("token_verifier", TokenVerifier)


def _pem_algorithm(key: PublicKeyTypes) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise ValueError("JWT_PUBLIC_KEY_FILE must hold an RSA or an EC P-256 public key (PEM)")


def _principal(claims: dict[str, Any]) -> Principal:
    subject, role = claims.get("sub"), claims.get("role")
    if not isinstance(subject, str) or not subject:
        raise ApiError(401, "invalid_token", "the token's subject is empty")
    if not isinstance(role, str) or role not in ROLES:
        raise ApiError(401, "invalid_token", f"unknown role {role!r}")
    school_id = claims.get("school_id") or None
    if school_id is not None and not isinstance(school_id, str):
        raise ApiError(401, "invalid_token", "school_id must be a string")
    if role in ("school_admin", "teacher") and school_id is None:
        raise ApiError(401, "invalid_token", "staff tokens must carry school_id")
    return Principal(subject, cast(Role, role), school_id)


def authenticate(request: web.Request, *roles: Role) -> Principal:
    """The caller, from `Authorization: Bearer`; 401 if missing or invalid, 403 for a role
    outside `roles` (when given)."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise ApiError(401, "unauthorized", "a bearer token is required")
    principal = request.app[TOKEN_VERIFIER].verify(header.removeprefix("Bearer ").strip())
    if roles and principal.role not in roles:
        raise ApiError(403, "forbidden", f"this needs one of the roles: {', '.join(roles)}")
    return principal


class SigningKey(Protocol):
    """What minting a token reads: `Settings`, or the CLI's settings of only these three."""

    @property
    def jwt_hs256_secret(self) -> SecretStr | None: ...
    @property
    def jwt_issuer(self) -> str: ...
    @property
    def jwt_audience(self) -> str: ...


def mint_token(
    settings: SigningKey,
    subject: str,
    role: Role,
    *,
    school_id: str | None = None,
    ttl_seconds: int = 3600,
    now: int | None = None,
) -> str:
    """A dev/test token signed with JWT_HS256_SECRET (`notifier mint-token`)."""
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
