"""ESIA's JWTs: made by the emulator, verified by the client.

ESIA signs with ``RS256`` or ``GOST3410_2012_256`` (a per-system setting on its
tech portal). The header names the algorithm and, in current tokens, the
signing certificate as ``x5t#St256`` (Streebog-256 of its DER, upper-case hex).
Only those two algorithms are accepted; ``none`` and HMAC never are.
"""

from __future__ import annotations

import json
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from plugins.auth_esia import gost

RS256 = "RS256"
GOST = "GOST3410_2012_256"
ALGORITHMS = (RS256, GOST)


class TokenError(ValueError):
    """A token that must not be trusted; ``reason`` is a short English code for logs and audit."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _json_part(data: dict[str, Any]) -> str:
    return gost.b64url(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def encode(claims: dict[str, Any], *, alg: str, key: Any, certificate: gost.Certificate, sbt: str) -> str:
    """Sign claims as ESIA does (``key`` is an RSA private key or a ``gost.PrivateKey``)."""
    header = {"ver": 1, "typ": "JWT", "sbt": sbt, "alg": alg, "x5t#St256": certificate.hash_hex}
    signing_input = f"{_json_part(header)}.{_json_part(claims)}".encode("ascii")
    if alg == RS256:
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    elif alg == GOST:
        signature = key.sign(signing_input)
    else:
        raise ValueError(f"ESIA does not sign with {alg}")
    return f"{signing_input.decode('ascii')}.{gost.b64url(signature)}"


def unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """Header, claims, signing input and signature, without any check (raise ``TokenError`` if malformed)."""
    try:
        head, body, sig = token.split(".")
        header = json.loads(gost.b64url_decode(head))
        claims = json.loads(gost.b64url_decode(body))
        signature = gost.b64url_decode(sig) if sig else b""
    except (ValueError, AttributeError):
        raise TokenError("malformed") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise TokenError("malformed")
    return header, claims, f"{head}.{body}".encode("ascii"), signature


def _signature_ok(alg: str, signing_input: bytes, signature: bytes, cert: gost.Certificate) -> bool:
    if alg == GOST:
        return cert.is_gost and gost.verify(cert.gost_public_key, signing_input, signature)
    if cert.is_gost:
        return False
    public = cert.rsa_public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        return False
    try:
        public.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def verify(
    token: str,
    *,
    certificates: list[gost.Certificate],
    algorithms: list[str],
    issuer: str,
    sbt: str,
    leeway: int,
    now: float | None = None,
) -> dict[str, Any]:
    """Check signature, algorithm, issuer, token kind and times; return the claims or raise ``TokenError``.

    Audience is checked by the caller (``aud`` in the id_token, ``client_id``
    in the access token).
    """
    header, claims, signing_input, signature = unverified_parts(token)
    alg = header.get("alg")
    if alg not in ALGORITHMS or alg not in algorithms:
        raise TokenError(f"algorithm {alg!r} not accepted")
    if header.get("sbt") not in (None, sbt):
        raise TokenError("wrong token kind")
    thumb = header.get("x5t#St256")
    candidates = [c for c in certificates if thumb is None or c.hash_hex == str(thumb).upper()]
    if not any(_signature_ok(alg, signing_input, signature, c) for c in candidates):
        raise TokenError("bad signature")
    if claims.get("iss") != issuer:
        raise TokenError("wrong issuer")
    now = time.time() if now is None else now
    for name in ("exp", "iat"):
        if not isinstance(claims.get(name), (int, float)):
            raise TokenError(f"no {name}")
    if claims["exp"] + leeway < now:
        raise TokenError("expired")
    if claims.get("nbf", claims["iat"]) - leeway > now or claims["iat"] - leeway > now:
        raise TokenError("not yet valid")
    return claims
