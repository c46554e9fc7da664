"""Bearer tokens from the core e-school system: what passes and what is a 401.

Tokens are real: signed by PyJWT with keys generated here by `cryptography`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from pydantic import SecretStr

from notifier.http.auth import Principal, TokenVerifier, mint_token
from notifier.http.errors import ApiError
from notifier.settings import Settings

HS_SECRET = secrets.token_urlsafe(32)
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def _settings(**over: Any) -> Settings:
    return Settings(
        database_url="postgresql://unused",
        kafka_bootstrap_servers="unused:9092",
        **over,
    )


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, path: Path) -> Path:
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def _claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": "par-1", "role": "parent", "iss": "e-school", "aud": "school-notifier"}
    return {**claims, "iat": now, "nbf": now, "exp": now + 600, **over}


def _hs(**over: Any) -> str:
    return jwt.encode(_claims(**over), HS_SECRET, algorithm="HS256")


def _rejected(verifier: TokenVerifier, token: str) -> ApiError:
    with pytest.raises(ApiError) as caught:
        verifier.verify(token)
    assert caught.value.status == 401
    return caught.value


@pytest.fixture
def hs_verifier() -> TokenVerifier:
    return TokenVerifier(_settings(jwt_hs256_secret=SecretStr(HS_SECRET)))


def test_a_valid_hs256_token_names_the_parent(hs_verifier: TokenVerifier) -> None:
    assert hs_verifier.verify(_hs()) == Principal("par-1", "parent", None)


def test_a_staff_token_carries_its_school(hs_verifier: TokenVerifier) -> None:
    token = _hs(sub="adm-1", role="school_admin", school_id="sch-1")
    assert hs_verifier.verify(token) == Principal("adm-1", "school_admin", "sch-1")


def test_a_teacher_token_carries_its_school(hs_verifier: TokenVerifier) -> None:
    token = _hs(sub="t-1", role="teacher", school_id="sch-1")
    assert hs_verifier.verify(token) == Principal("t-1", "teacher", "sch-1")


def test_minted_dev_tokens_pass(hs_verifier: TokenVerifier) -> None:
    settings = _settings(jwt_hs256_secret=SecretStr(HS_SECRET))
    token = mint_token(settings, "ops-1", "ops")
    assert hs_verifier.verify(token) == Principal("ops-1", "ops", None)


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "someone-else"},
        {"aud": "another-service"},
        {"exp": -120},  # seconds from now, beyond the 30 s leeway
        {"nbf": +120},
        {"exp": None},
        {"sub": None},
        {"sub": ""},
        {"role": "headmaster"},
        {"role": "school_admin"},  # staff without a school
        {"role": "teacher"},  # a teacher without a school
        {"role": "school_admin", "school_id": 7},
        {"role": ["parent"]},  # unhashable: once a 500
        {"role": {"parent": 1}},
    ],
    ids=[
        "wrong issuer",
        "wrong audience",
        "expired",
        "not yet valid",
        "no expiry",
        "no subject",
        "empty subject",
        "unknown role",
        "staff without school",
        "teacher without school",
        "school not a string",
        "role a list",
        "role an object",
    ],
)
def test_tokens_with_bad_claims_are_refused(hs_verifier: TokenVerifier, claims: Any) -> None:
    # Times are offsets from the moment the test runs (not from collection time).
    relative = {k: int(time.time()) + v for k, v in claims.items() if k in ("exp", "nbf") and v}
    present = {k: v for k, v in _claims(**(claims | relative)).items() if v is not None}
    _rejected(hs_verifier, jwt.encode(present, HS_SECRET, algorithm="HS256"))


def test_an_unsigned_alg_none_token_is_refused(hs_verifier: TokenVerifier) -> None:
    _rejected(hs_verifier, jwt.encode(_claims(), None, algorithm="none"))


def test_a_token_signed_with_another_secret_is_refused(hs_verifier: TokenVerifier) -> None:
    forged = jwt.encode(_claims(), secrets.token_urlsafe(32), algorithm="HS256")
    _rejected(hs_verifier, forged)


def test_a_token_with_a_tampered_payload_is_refused(hs_verifier: TokenVerifier) -> None:
    header, _, signature = _hs().split(".")
    other = jwt.encode(_claims(sub="par-2"), "x" * 32, algorithm="HS256").split(".")[1]
    _rejected(hs_verifier, f"{header}.{other}.{signature}")


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c", "Bearer x"])
def test_garbage_is_refused(hs_verifier: TokenVerifier, token: str) -> None:
    _rejected(hs_verifier, token)


def test_rs256_tokens_verify_against_the_configured_pem(tmp_path: Path) -> None:
    verifier = TokenVerifier(_settings(jwt_public_key_file=_pem(RSA_KEY, tmp_path / "k.pem")))
    assert verifier.verify(jwt.encode(_claims(), RSA_KEY, algorithm="RS256")).subject == "par-1"
    _rejected(verifier, jwt.encode(_claims(), EC_KEY, algorithm="ES256"))
    _rejected(verifier, _hs())  # no HS256 secret configured


def test_es256_tokens_verify_against_the_configured_pem(tmp_path: Path) -> None:
    verifier = TokenVerifier(_settings(jwt_public_key_file=_pem(EC_KEY, tmp_path / "k.pem")))
    assert verifier.verify(jwt.encode(_claims(), EC_KEY, algorithm="ES256")).subject == "par-1"
    other = ec.generate_private_key(ec.SECP256R1())
    _rejected(verifier, jwt.encode(_claims(), other, algorithm="ES256"))


def test_an_hs256_token_keyed_with_the_public_pem_is_refused(tmp_path: Path) -> None:
    """Algorithm confusion: the public key used as an HMAC secret must not pass."""
    pem = _pem(RSA_KEY, tmp_path / "k.pem")
    verifier = TokenVerifier(
        _settings(jwt_public_key_file=pem, jwt_hs256_secret=SecretStr(HS_SECRET))
    )
    header = {"alg": "HS256", "typ": "JWT"}
    forged = _hmac_token(header, _claims(), pem.read_bytes())
    _rejected(verifier, forged)


def test_jwks_keys_are_chosen_by_kid(tmp_path: Path) -> None:
    rsa_jwk = {**RSAAlgorithm.to_jwk(RSA_KEY.public_key(), as_dict=True), "kid": "r1"}
    ec_jwk = {**ECAlgorithm.to_jwk(EC_KEY.public_key(), as_dict=True), "kid": "e1"}
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [rsa_jwk, ec_jwk]}))
    verifier = TokenVerifier(_settings(jwt_jwks_file=jwks))
    rs = jwt.encode(_claims(), RSA_KEY, algorithm="RS256", headers={"kid": "r1"})
    es = jwt.encode(_claims(), EC_KEY, algorithm="ES256", headers={"kid": "e1"})
    assert verifier.verify(rs).subject == verifier.verify(es).subject == "par-1"
    _rejected(verifier, jwt.encode(_claims(), RSA_KEY, algorithm="RS256", headers={"kid": "e1"}))
    _rejected(verifier, jwt.encode(_claims(), RSA_KEY, algorithm="RS256", headers={"kid": "?"}))


def test_no_configured_key_means_no_token_passes() -> None:
    verifier = TokenVerifier(_settings())
    assert not verifier.configured
    _rejected(verifier, _hs())


def _hmac_token(header: dict[str, Any], claims: dict[str, Any], key: bytes) -> str:
    # PyJWT refuses to HMAC with a PEM key (the very attack), so sign by hand.
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"
