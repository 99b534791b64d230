"""The ESIA client: authorization URL, code exchange, token checks, person data.

Protocol generations (see ``docs/plugins/auth_esia.md``):

* ``v2`` — ``/aas/oauth2/v2/ac`` + ``/aas/oauth2/v3/te``; ``client_secret`` is a
  raw GOST signature over ``client_id+scope+scope_org+timestamp+state+redirect_uri``
  (``+code`` for the token request), plus ``client_certificate_hash``;
* ``v1`` — ``/aas/oauth2/ac`` + ``/aas/oauth2/te``; ``client_secret`` is a
  detached CMS over ``scope+timestamp+client_id+state``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode

import requests

from plugins.auth_esia import gost, tokens
from plugins.auth_esia.signers import Signer

TIMESTAMP_FORMAT = "%Y.%m.%d %H:%M:%S %z"
PATHS = {
    "v2": ("/aas/oauth2/v2/ac", "/aas/oauth2/v3/te"),
    "v1": ("/aas/oauth2/ac", "/aas/oauth2/te"),
}
LEVELS = {"PR": "confirmed", "KD": "child"}


class EsiaError(Exception):
    """ESIA answered with an error (``error``, ``ESIA-xxxxxx`` code, description)."""

    def __init__(self, error: str, description: str = ""):
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.code = description.split(":", 1)[0].strip() if description.startswith("ESIA-") else ""


class EsiaUnavailable(Exception):
    """ESIA could not be reached or answered nonsense (timeout, 5xx, not JSON)."""


class EsiaRejected(Exception):
    """A response that failed our checks (state, token signature, issuer...); ``reason`` is for the audit."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def esia_timestamp(now: dt.datetime | None = None) -> str:
    """``yyyy.MM.dd HH:mm:ss Z`` in UTC, e.g. ``2025.09.02 10:00:29 +0000``."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(dt.UTC).strftime(TIMESTAMP_FORMAT)


def query_string(params: dict[str, str]) -> str:
    """Form-encode with ``+`` for spaces and ``%2B`` for a literal plus (the timestamp's offset)."""
    return urlencode(params, quote_via=quote_plus)


@dataclass
class EsiaConfig:
    """Everything the client needs, resolved from ``[auth_esia]`` at first use."""

    base_url: str
    issuer: str
    protocol: str
    client_id: str
    scopes: str
    certificate: gost.Certificate
    signer: Signer
    esia_certificates: list[gost.Certificate]
    jwt_algorithms: list[str]
    timeout: float
    verify: bool | str
    leeway: int
    access_type: str = "online"
    fetch_kids: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


@dataclass(frozen=True)
class Person:
    """What ESIA told us about the person who logged in."""

    oid: str
    last_name: str
    first_name: str
    middle_name: str
    birth_date: dt.date | None
    snils: str | None
    trusted: bool
    level: str
    kids: list[dict[str, Any]]


class EsiaClient:
    def __init__(self, config: EsiaConfig, session: requests.Session | None = None):
        self.config = config
        self.http = session or requests.Session()

    # --- signing -------------------------------------------------------------

    def _secret(self, *, scope: str, timestamp: str, state: str, redirect_uri: str, code: str = "") -> dict[str, str]:
        cfg = self.config
        if cfg.protocol == "v1":
            signed = (scope + timestamp + cfg.client_id + state).encode("utf-8")
            return {"client_secret": gost.b64url(cfg.signer.sign_pkcs7(signed))}
        signed = (cfg.client_id + scope + "" + timestamp + state + redirect_uri + code).encode("utf-8")
        return {
            "client_secret": gost.b64url(cfg.signer.sign_raw(signed)),
            "client_certificate_hash": cfg.certificate.hash_hex,
        }

    def authorization_url(self, state: str, redirect_uri: str) -> str:
        cfg = self.config
        timestamp = esia_timestamp()
        params = {
            "client_id": cfg.client_id,
            "scope": cfg.scopes,
            "response_type": "code",
            "state": state,
            "timestamp": timestamp,
            "access_type": cfg.access_type,
            "redirect_uri": redirect_uri,
        }
        params.update(self._secret(scope=cfg.scopes, timestamp=timestamp, state=state, redirect_uri=redirect_uri))
        return cfg.url(PATHS[cfg.protocol][0]) + "?" + query_string(params)

    # --- HTTP ----------------------------------------------------------------

    def _request(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            return self.http.request(method, url, timeout=self.config.timeout, verify=self.config.verify,
                                     allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            raise EsiaUnavailable(f"{type(exc).__name__}: {exc}") from None

    def exchange_code(self, code: str, redirect_uri: str) -> dict[str, Any]:
        """Trade the code for tokens with a fresh state; check the echo; return the verified claims."""
        cfg = self.config
        state = str(uuid.uuid4())
        timestamp = esia_timestamp()
        form = {
            "client_id": cfg.client_id,
            "code": code,
            "grant_type": "authorization_code",
            "state": state,
            "redirect_uri": redirect_uri,
            "scope": cfg.scopes,
            "timestamp": timestamp,
            "token_type": "Bearer",
        }
        form.update(self._secret(scope=cfg.scopes, timestamp=timestamp, state=state,
                                 redirect_uri=redirect_uri, code=code))
        response = self._request("POST", cfg.url(PATHS[cfg.protocol][1]), data=form)
        body = self._json(response)
        if response.status_code != 200 or "error" in body:
            if "error" in body:
                raise EsiaError(str(body["error"]), str(body.get("error_description", "")))
            raise EsiaUnavailable(f"token endpoint answered HTTP {response.status_code}")
        if body.get("state") != state:
            raise EsiaRejected("token response state mismatch")
        if not body.get("access_token") or not body.get("id_token"):
            raise EsiaRejected("token response without tokens")
        verified = self.verify_tokens(body["access_token"], body["id_token"])
        return verified | {"access_token": body["access_token"], **self._renewal(body)}

    @staticmethod
    def _renewal(body: dict[str, Any]) -> dict[str, Any]:
        """The refresh token (offline access only) and the access token's lifetime, for a long session."""
        refresh = body.get("refresh_token")
        expires_in = body.get("expires_in")
        return {
            "refresh_token": refresh if isinstance(refresh, str) and 0 < len(refresh) <= 2000 else None,
            "expires_in": int(expires_in) if isinstance(expires_in, int) and 60 <= expires_in <= 86400 else 3600,
        }

    def refresh(self, refresh_token: str, redirect_uri: str, oid: str) -> dict[str, Any]:
        """The refresh grant: fresh tokens for the same person; return the new refresh token and lifetime.

        Signed like the authorization request (v2: ``client_id+scope+scope_org+timestamp+state+redirect_uri``),
        with a new state whose echo is checked; the new access token must be ESIA's, for us, for ``oid``.
        """
        cfg = self.config
        state = str(uuid.uuid4())
        timestamp = esia_timestamp()
        form = {
            "client_id": cfg.client_id,
            "refresh_token": refresh_token,
            "grant_type": "refresh_token",
            "state": state,
            "redirect_uri": redirect_uri,
            "scope": cfg.scopes,
            "timestamp": timestamp,
            "token_type": "Bearer",
        }
        form.update(self._secret(scope=cfg.scopes, timestamp=timestamp, state=state, redirect_uri=redirect_uri))
        response = self._request("POST", cfg.url(PATHS[cfg.protocol][1]), data=form)
        body = self._json(response)
        if response.status_code != 200 or "error" in body:
            if "error" in body:
                raise EsiaError(str(body["error"]), str(body.get("error_description", "")))
            raise EsiaUnavailable(f"token endpoint answered HTTP {response.status_code}")
        if body.get("state") != state:
            raise EsiaRejected("token response state mismatch")
        try:
            access = tokens.verify(str(body.get("access_token") or ""), sbt="access",
                                   certificates=cfg.esia_certificates, algorithms=cfg.jwt_algorithms,
                                   issuer=cfg.issuer, leeway=cfg.leeway)
        except tokens.TokenError as exc:
            raise EsiaRejected(f"token: {exc.reason}") from None
        if access.get("client_id") != cfg.client_id:
            raise EsiaRejected("access token for another client (client_id)")
        if str(access.get("urn:esia:sbj_id")) != str(oid):
            raise EsiaRejected("refreshed token names another person")
        renewal = self._renewal(body)
        if renewal["refresh_token"] is None:
            raise EsiaRejected("refresh response without a refresh token")
        return renewal

    @staticmethod
    def _json(response: requests.Response) -> dict[str, Any]:
        if response.status_code >= 500:
            raise EsiaUnavailable(f"ESIA answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise EsiaUnavailable(f"ESIA answered HTTP {response.status_code} without JSON") from None
        if not isinstance(body, dict):
            raise EsiaUnavailable("ESIA answered JSON that is not an object")
        return body

    # --- token checks ---------------------------------------------------------

    def verify_tokens(self, access_token: str, id_token: str) -> dict[str, Any]:
        """Verify both tokens (signature, alg, issuer, audience, times, subject); return oid and claims."""
        cfg = self.config
        common = dict(certificates=cfg.esia_certificates, algorithms=cfg.jwt_algorithms,
                      issuer=cfg.issuer, leeway=cfg.leeway)
        try:
            access = tokens.verify(access_token, sbt="access", **common)
            ident = tokens.verify(id_token, sbt="id", **common)
        except tokens.TokenError as exc:
            raise EsiaRejected(f"token: {exc.reason}") from None
        audience = ident.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if cfg.client_id not in audiences:
            raise EsiaRejected("id_token for another client (aud)")
        if access.get("client_id") != cfg.client_id:
            raise EsiaRejected("access token for another client (client_id)")
        subject = ident.get("sub")
        sbj = ident.get("urn:esia:sbj") if isinstance(ident.get("urn:esia:sbj"), dict) else {}
        if subject is None or str(access.get("urn:esia:sbj_id")) != str(subject):
            raise EsiaRejected("tokens name different persons")
        if "urn:esia:sbj:oid" in sbj and str(sbj["urn:esia:sbj:oid"]) != str(subject):
            raise EsiaRejected("id_token subject mismatch")
        return {"oid": str(subject), "id_claims": ident, "access_claims": access}

    # --- person data ------------------------------------------------------------

    def _get(self, path: str, access_token: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        response = self._request("GET", self.config.url(path), params=params,
                                 headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"})
        if response.status_code in (401, 403):
            raise EsiaRejected(f"person data refused: HTTP {response.status_code}")
        body = self._json(response)
        if response.status_code != 200:
            raise EsiaUnavailable(f"person data: HTTP {response.status_code}")
        return body

    def person(self, verified: dict[str, Any]) -> Person:
        oid, access_token = verified["oid"], verified["access_token"]
        body = self._get(f"/rs/prns/{oid}", access_token)
        sbj = verified["id_claims"].get("urn:esia:sbj") or {}
        lvl = sbj.get("urn:esia:sbj:lvl")
        # ``is_tru`` is absent for an unconfirmed account; both sources must agree.
        trusted = sbj.get("urn:esia:sbj:is_tru") is True and body.get("trusted") is True
        snils = body.get("snils") or None
        if lvl in LEVELS:
            level = LEVELS[lvl] if lvl == "KD" or trusted else "standard"
        else:
            level = "confirmed" if trusted else ("standard" if snils else "simple")
        kids: list[dict[str, Any]] = []
        if self.config.fetch_kids:
            collection = self._get(f"/rs/prns/{oid}/kids", access_token, params={"embed": "(elements)"})
            kids = [k for k in collection.get("elements") or [] if isinstance(k, dict)]
        return Person(
            oid=oid,
            last_name=str(body.get("lastName") or ""),
            first_name=str(body.get("firstName") or ""),
            middle_name=str(body.get("middleName") or ""),
            birth_date=parse_esia_date(body.get("birthDate")),
            snils=snils,
            trusted=trusted,
            level=level,
            kids=kids,
        )


def parse_esia_date(value: Any) -> dt.date | None:
    """``dd.MM.yyyy`` → date; anything else → None."""
    try:
        return dt.datetime.strptime(str(value), "%d.%m.%Y").date()
    except ValueError:
        return None
