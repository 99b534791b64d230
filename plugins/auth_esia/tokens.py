"""ESIA's JWTs: made by the emulator, verified by the client — with PyJWT.

ESIA signs with ``RS256`` or ``GOST3410_2012_256`` (a per-system setting on its
tech portal). The header names the algorithm and, in current tokens, the
signing certificate as ``x5t#St256`` (Streebog-256 of its DER, upper-case hex).
PyJWT does the token format, the signature dispatch and the claim checks; GOST
is a PyJWT algorithm registered here (the curve maths stay in ``gost``). Only
those two algorithms are accepted; ``none`` and HMAC never are.
"""

from __future__ import annotations

import math
from typing import Any

import jwt
from jwt.algorithms import Algorithm

from plugins.auth_esia import gost

RS256 = "RS256"
GOST = "GOST3410_2012_256"
ALGORITHMS = (RS256, GOST)
TIME_CLAIMS = ("exp", "iat", "nbf", "auth_time")


class TokenError(ValueError):
    """A token that must not be trusted; ``reason`` is a short English code for logs and audit."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class GostAlgorithm(Algorithm):
    """GOST R 34.10-2012 (256) over Streebog-256, raw 64-byte signature in OpenSSL / ESIA byte order.

    The signing key is a ``gost.PrivateKey``; the verifying key a ``gost.Certificate``
    (a GOST one) or its 64-byte public point.
    """

    def prepare_key(self, key: Any) -> Any:
        if isinstance(key, gost.PrivateKey):
            return key
        if isinstance(key, gost.Certificate):
            if not key.is_gost:
                raise jwt.InvalidKeyError("not a GOST certificate")
            return key.gost_public_key
        if isinstance(key, bytes) and len(key) == 64:
            return key
        raise jwt.InvalidKeyError("a GOST key is a gost.PrivateKey, a GOST certificate or a 64-byte point")

    def sign(self, msg: bytes, key: Any) -> bytes:
        if not isinstance(key, gost.PrivateKey):
            raise jwt.InvalidKeyError("signing needs a gost.PrivateKey")
        return key.sign(msg)

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        return isinstance(key, bytes) and gost.verify(key, msg, sig)

    @staticmethod
    def to_jwk(key_obj, as_dict: bool = False):
        raise NotImplementedError("ESIA publishes certificates, not JWKs, for GOST keys")

    @staticmethod
    def from_jwk(jwk):
        raise NotImplementedError("ESIA publishes certificates, not JWKs, for GOST keys")


def _register_gost() -> None:
    """Teach PyJWT the GOST algorithm (once per process); every decode still names its algorithms."""
    try:
        jwt.get_algorithm_by_name(GOST)
    except NotImplementedError:
        jwt.register_algorithm(GOST, GostAlgorithm())


_register_gost()


def encode(claims: dict[str, Any], *, alg: str, key: Any, certificate: gost.Certificate, sbt: str) -> str:
    """Sign claims as ESIA does (``key`` is an RSA private key or a ``gost.PrivateKey``)."""
    if alg not in ALGORITHMS:
        raise ValueError(f"ESIA does not sign with {alg}")
    header = {"ver": 1, "sbt": sbt, "x5t#St256": certificate.hash_hex}
    return jwt.encode(claims, key, algorithm=alg, headers=header)


def unverified_header(token: str) -> dict[str, Any]:
    """The header, without any check (raise ``TokenError`` if malformed)."""
    try:
        return jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise TokenError("malformed") from None


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims, without any check: for the emulator and tests, and to refuse early, never to trust."""
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise TokenError("malformed") from None


def _numeric_dates(claims: dict[str, Any]) -> None:
    """RFC 7519 NumericDate is a JSON number; PyJWT alone would take ``"1700000000"`` (a string) as a time."""
    for name in TIME_CLAIMS:
        if name in claims:
            value = claims[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise TokenError(f"{name} is not a number")


def _key_for(alg: str, cert: gost.Certificate) -> Any:
    if alg == GOST:
        return cert if cert.is_gost else None
    return None if cert.is_gost else cert.rsa_public_key()


def verify(
    token: str,
    *,
    certificates: list[gost.Certificate],
    algorithms: list[str],
    issuer: str,
    sbt: str,
    leeway: int,
) -> dict[str, Any]:
    """Check signature, algorithm, issuer, token kind and times; return the claims or raise ``TokenError``.

    Audience is checked by the caller (``aud`` in the id_token, ``client_id``
    in the access token).
    """
    header = unverified_header(token)
    alg = header.get("alg")
    if alg not in ALGORITHMS or alg not in algorithms:
        raise TokenError(f"algorithm {alg!r} not accepted")
    if header.get("sbt") not in (None, sbt):
        raise TokenError("wrong token kind")
    _numeric_dates(unverified_claims(token))
    thumb = header.get("x5t#St256")
    keys = [_key_for(alg, c) for c in certificates if thumb is None or c.hash_hex == str(thumb).upper()]
    for key in filter(None, keys):
        try:
            return jwt.decode(token, key, algorithms=[alg], issuer=issuer, leeway=leeway,
                              options={"require": ["exp", "iat"], "verify_aud": False,
                                       "verify_sub": False})  # ESIA's sub is a number
        except (jwt.InvalidSignatureError, jwt.InvalidKeyError):
            continue  # not signed with this certificate's key: try the next one
        except jwt.ExpiredSignatureError:
            raise TokenError("expired") from None
        except jwt.ImmatureSignatureError:
            raise TokenError("not yet valid") from None
        except jwt.InvalidIssuerError:
            raise TokenError("wrong issuer") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError(f"no {exc.claim}") from None
        except jwt.InvalidTokenError as exc:
            raise TokenError(f"invalid: {exc}") from None
    raise TokenError("bad signature")
