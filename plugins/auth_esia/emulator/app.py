"""An offline ESIA: the same paths, checks, error codes and token shapes as the real one.

A separate, small Flask app (not the eschool app). It serves:

* ``/aas/oauth2/v2/ac`` and ``/aas/oauth2/ac`` — checks the request (parameters,
  redirect URI, scopes approved for the system, timestamp, certificate hash,
  client signature), then a page where the tester finds (search, pages) and
  picks a test person (form field ``oid``) or declines (button ``decline`` →
  ``access_denied`` with ESIA-007004);
* ``/aas/oauth2/v3/te`` and ``/aas/oauth2/te`` — single-use codes valid 240 s,
  a state that must differ from the authorization request's, signature checks,
  ESIA error codes as HTTP 400 JSON, RS256 or GOST JWTs; a ``refresh_token``
  only for ``access_type=offline``, and the refresh grant (single-use, rotated);
* ``/rs/prns/{oid}``, ``/rs/prns/{oid}/kids`` — person data with a Bearer check;
* ``/idp/ext/Logout`` — ends the "ESIA session" and records it;
* ``/__emulator__/logouts`` — what was logged out (for tests and testers).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode

from flask import Flask, abort, jsonify, redirect, render_template, request

from plugins.auth_esia import gost, tokens
from plugins.auth_esia.emulator.persons import TestPerson
from plugins.auth_esia.keys import EmulatorKeys
from plugins.auth_esia.schemas import DEFAULT_SCOPES, KID_SCOPES

CODE_TTL = 240
TOKEN_TTL = 3600
PENDING_TTL = 900
CLOCK_SKEW = 300
REFRESH_TTL = 30 * 24 * 3600  # ESIA's real value is not published; a month keeps long sessions testable
PAGE_SIZE = 20
KNOWN_SCOPES = {
    "openid", "fullname", "birthdate", "gender", "snils", "inn", "id_doc", "birthplace", "email", "mobile",
    "contacts", "addresses", "kid_fullname", "kid_birthdate", "kid_gender", "kid_snils", "kid_inn",
    "kid_birth_cert_doc", "kid_medical_doc",
}
# What a system is approved for when its registration names nothing else: the platform's own request.
DEFAULT_APPROVED_SCOPES = frozenset((DEFAULT_SCOPES + " " + KID_SCOPES).split())
ERRORS = {
    "ESIA-007002": ("invalid_client", "The certificate does not match the client"),
    "ESIA-007003": ("invalid_request", "The request contains an invalid, duplicated or malformed parameter"),
    "ESIA-007004": ("access_denied", "The resource owner or authorization server denied the request."),
    "ESIA-007005": ("unauthorized_client",
                    "The client is not authorized to request an access token using this method."),
    "ESIA-007006": ("invalid_scope", "The requested scope is invalid, unknown, or malformed."),
    "ESIA-007011": ("invalid_grant", "The provided authorization grant or refresh token is invalid, expired, "
                                     "revoked, does not match the redirection URI used in the authorization "
                                     "request, or was issued to another client."),
    "ESIA-007012": ("unsupported_grant_type", "The authorization grant type is not supported."),
    "ESIA-007014": ("invalid_request", "The request does not contain the mandatory parameter"),
    "ESIA-007015": ("invalid_request", "Invalid request time"),
    "ESIA-007019": ("access_denied", "OAuthErrorEnum.noGrants"),
    "ESIA-007023": ("invalid_request", "The redirect_uri is not allowed for the client"),
    "ESIA-007053": ("access_denied", "OAuthErrorEnum.clientSecretWrong"),
}
AC_REQUIRED = ("client_id", "client_secret", "redirect_uri", "scope", "response_type", "state", "timestamp")
TE_REQUIRED = ("client_id", "code", "grant_type", "client_secret", "state", "redirect_uri", "scope", "timestamp")
REFRESH_REQUIRED = ("client_id", "refresh_token", "grant_type", "client_secret", "state", "redirect_uri", "scope",
                    "timestamp")


class EsiaFault(Exception):
    def __init__(self, code: str, detail: str = ""):
        error, text = ERRORS[code]
        super().__init__(f"{code}: {text}{(' ' + detail) if detail else ''}")
        self.code = code
        self.error = error
        self.description = f"{code}: {text}{(' ' + detail) if detail else ''}"


@dataclass
class RegisteredClient:
    """An information system registered with the emulator (as on ESIA's tech portal)."""

    client_id: str
    certificate: gost.Certificate
    redirect_uris: list[str]
    jwt_alg: str = tokens.RS256
    scopes: set[str] = field(default_factory=lambda: set(DEFAULT_APPROVED_SCOPES))  # approved on the tech portal

    def allows_redirect(self, uri: str) -> bool:
        return any(uri == allowed or uri.startswith(allowed.rstrip("/") + "/") for allowed in self.redirect_uris)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    scope: str
    oid: int
    expires_at: float
    sid: str
    state: str = ""  # the authorization request's; the token request must bring another
    offline: bool = False
    used: bool = False


@dataclass
class RefreshGrant:
    """A refresh token's rights: single use, replaced by a new one at each refresh."""

    client_id: str
    redirect_uri: str
    scope: str
    oid: int
    expires_at: float
    sid: str
    used: bool = False


@dataclass
class Emulator:
    """The emulator's state: persons, clients, keys, and what happened (codes, tokens, logouts).

    ``misbehave`` lets a test make the emulator act like a broken or hostile
    ESIA: it gets ``(kind, claims, sign)`` for each token, where
    ``sign(claims, alg=None, key=None, header=None)`` makes a token, and
    returns the token to send. ``misbehave_response`` may rewrite the token
    response body.
    """

    persons: dict[int, TestPerson]
    clients: dict[str, RegisteredClient]
    keys: EmulatorKeys
    issuer: str
    clock: Callable[[], float] = time.time
    misbehave: Callable[..., str] | None = None
    misbehave_response: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    refresh_grants: dict[str, RefreshGrant] = field(default_factory=dict)
    refreshes: list[dict[str, Any]] = field(default_factory=list)
    used_states: dict[str, float] = field(default_factory=dict)
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    logouts: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- checks shared by ac and te ------------------------------------------

    def client(self, client_id: str) -> RegisteredClient:
        client = self.clients.get(client_id)
        if client is None:
            raise EsiaFault("ESIA-007005", "[client_id]")
        return client

    def check_time(self, timestamp: str) -> None:
        try:
            sent = dt.datetime.strptime(timestamp, "%Y.%m.%d %H:%M:%S %z").timestamp()
        except ValueError:
            raise EsiaFault("ESIA-007015", "[timestamp format]") from None
        if abs(self.clock() - sent) > CLOCK_SKEW:
            raise EsiaFault("ESIA-007015")

    def check_signature(self, client: RegisteredClient, params: dict[str, str], version: str, code: str = "") -> None:
        try:
            secret = gost.b64url_decode(params["client_secret"])
        except ValueError:
            raise EsiaFault("ESIA-007053") from None
        if version == "v1":
            signed = (params["scope"] + params["timestamp"] + params["client_id"] + params["state"]).encode()
            try:
                signer = gost.cms_verify_detached(secret, signed)
            except gost.GostError:
                raise EsiaFault("ESIA-007053") from None
            if signer.der != client.certificate.der:
                raise EsiaFault("ESIA-007002")
            return
        if params.get("client_certificate_hash", "").upper() != client.certificate.hash_hex:
            raise EsiaFault("ESIA-007053", "[client_certificate_hash]")
        signed = (params["client_id"] + params["scope"] + params.get("scope_org", "") + params["timestamp"]
                  + params["state"] + params["redirect_uri"] + code).encode()
        if not gost.verify(client.certificate.gost_public_key, signed, secret):
            raise EsiaFault("ESIA-007053")

    @staticmethod
    def require(params: dict[str, str], names: tuple[str, ...], version: str) -> None:
        wanted = names + (("client_certificate_hash",) if version == "v2" else ())
        for name in wanted:
            if not params.get(name):
                raise EsiaFault("ESIA-007014", f"[{name}]")

    # --- authorization ----------------------------------------------------------

    def authorize(self, params: dict[str, str], version: str) -> tuple[RegisteredClient, str]:
        """Check an authorization request; return the client and a pending-request id."""
        self.require(params, AC_REQUIRED, version)
        client = self.client(params["client_id"])
        if not client.allows_redirect(params["redirect_uri"]):
            raise EsiaFault("ESIA-007023")
        if params["response_type"] != "code":
            raise EsiaFault("ESIA-007012")
        self.check_scopes(client, params["scope"])
        self.check_time(params["timestamp"])
        self.check_signature(client, params, version)
        pending_id = secrets.token_urlsafe(16)
        with self.lock:
            now = self.clock()
            self.pending = {k: v for k, v in self.pending.items() if v["until"] > now}
            self.pending[pending_id] = {"params": dict(params), "version": version, "until": now + PENDING_TTL}
            self.remember_state(params["state"])
        return client, pending_id

    @staticmethod
    def check_scopes(client: RegisteredClient, scope: str) -> None:
        scopes = set(scope.split())
        if "openid" not in scopes or not scopes <= KNOWN_SCOPES:
            raise EsiaFault("ESIA-007006")
        if not scopes <= client.scopes:
            raise EsiaFault("ESIA-007019", "[" + " ".join(sorted(scopes - client.scopes)) + "]")

    def remember_state(self, state: str) -> None:
        """Keep a state seen in a request (under ``lock``); a token request must not bring one again."""
        now = self.clock()
        if len(self.used_states) > 10000:
            self.used_states = {k: v for k, v in self.used_states.items() if v > now}
        self.used_states[state] = now + REFRESH_TTL

    def pending_request(self, pending_id: str) -> dict[str, Any] | None:
        with self.lock:
            pending = self.pending.get(pending_id)
        return pending if pending is not None and pending["until"] >= self.clock() else None

    def decide(self, pending_id: str, oid: str | None, decline: bool) -> str:
        """The tester's choice → the redirect back to the client (code, or error)."""
        with self.lock:
            pending = self.pending.pop(pending_id, None)
        if pending is None or pending["until"] < self.clock():
            abort(400, "Запрос на вход устарел: начните вход заново в электронной школе.")
        params = pending["params"]
        back = params["redirect_uri"]
        if decline:
            error, text = ERRORS["ESIA-007004"]
            return _with_query(back, {"error": error, "error_description": f"ESIA-007004: {text}",
                                      "state": params["state"]})
        try:
            person = self.persons[int(oid or "")]
        except (ValueError, KeyError):
            abort(400, "Выберите тестового пользователя.")
        code = self.issue_code(params, person)
        return _with_query(back, {"code": code, "state": params["state"]})

    def issue_code(self, params: dict[str, str], person: TestPerson) -> str:
        now = int(self.clock())
        sid = str(uuid.uuid4())
        claims = {
            "iss": self.issuer, "urn:esia:client:state": params["state"], "auth_mthd": "PWD",
            "urn:esia:sbj": self.subject_block(person), "params": {}, "client_id": params["client_id"],
            "scope": " ".join(f"{s}?oid={person.oid}" for s in params["scope"].split()),
            "nbf": now, "iat": now, "auth_time": now, "exp": now + CODE_TTL, "urn:esia:sid": sid,
        }
        code = tokens.encode(claims, alg=tokens.RS256, key=self.keys.rsa_key,
                             certificate=self.keys.rsa_certificate, sbt="authorization_code")
        with self.lock:
            self.grants[code] = Grant(params["client_id"], params["redirect_uri"], params["scope"],
                                      person.oid, now + CODE_TTL, sid, state=params["state"],
                                      offline=params.get("access_type") == "offline")
        return code

    @staticmethod
    def subject_block(person: TestPerson) -> dict[str, Any]:
        block: dict[str, Any] = {
            "urn:esia:sbj:typ": "P", "urn:esia:sbj:lvl": person.esia_level,
            "urn:esia:sbj:oid": person.oid, "urn:esia:sbj:nam": f"OID.{person.oid}",
        }
        if person.confirmed:
            block["urn:esia:sbj:is_tru"] = True  # absent, not false, for an unconfirmed account
        return block

    # --- token ------------------------------------------------------------------

    def exchange(self, params: dict[str, str], version: str) -> dict[str, Any]:
        if params.get("grant_type") == "refresh_token":
            return self.refresh(params, version)
        self.require(params, TE_REQUIRED, version)
        client = self.client(params["client_id"])
        if params["grant_type"] != "authorization_code":
            raise EsiaFault("ESIA-007012")
        self.check_scopes(client, params["scope"])
        self.check_time(params["timestamp"])
        self.check_signature(client, params, version, code=params["code"] if version == "v2" else "")
        with self.lock:
            grant = self.grants.get(params["code"])
            if (grant is None or grant.used or grant.expires_at < self.clock()
                    or grant.client_id != client.client_id or grant.redirect_uri != params["redirect_uri"]):
                raise EsiaFault("ESIA-007011")
            if params["state"] in self.used_states:  # MR: a new UUID, not the authorization request's
                raise EsiaFault("ESIA-007003", "[state]")
            grant.used = True
            self.remember_state(params["state"])
        return self.issue_tokens(client, self.persons[grant.oid], grant.scope, grant.sid, params,
                                 offline=grant.offline, with_id_token=True)

    def refresh(self, params: dict[str, str], version: str) -> dict[str, Any]:
        """``grant_type=refresh_token``: the same request fields, signed without a code; the old token is spent."""
        self.require(params, REFRESH_REQUIRED, version)
        client = self.client(params["client_id"])
        self.check_scopes(client, params["scope"])
        self.check_time(params["timestamp"])
        self.check_signature(client, params, version)
        with self.lock:
            grant = self.refresh_grants.get(params["refresh_token"])
            if (grant is None or grant.used or grant.expires_at < self.clock()
                    or grant.client_id != client.client_id or grant.redirect_uri != params["redirect_uri"]
                    or not set(params["scope"].split()) <= set(grant.scope.split())):
                raise EsiaFault("ESIA-007011")
            if params["state"] in self.used_states:
                raise EsiaFault("ESIA-007003", "[state]")
            grant.used = True
            self.remember_state(params["state"])
            self.refreshes.append({"client_id": client.client_id, "oid": grant.oid, "at": self.clock()})
        return self.issue_tokens(client, self.persons[grant.oid], grant.scope, grant.sid, params,
                                 offline=True, with_id_token=False)

    def issue_tokens(self, client: RegisteredClient, person: TestPerson, scope: str, sid: str,
                     params: dict[str, str], *, offline: bool, with_id_token: bool) -> dict[str, Any]:
        now = int(self.clock())
        scopes = scope.split()
        access_claims = {
            "nbf": now, "iat": now, "exp": now + TOKEN_TTL, "iss": self.issuer,
            "scope": " ".join(f"{s}?oid={person.oid}" for s in scopes),
            "urn:esia:sid": sid, "urn:esia:sbj_id": person.oid, "client_id": client.client_id,
        }
        access_token = self.make_token("access", access_claims, client.jwt_alg)
        body: dict[str, Any] = {"access_token": access_token}
        if with_id_token:
            id_claims = {
                "aud": client.client_id, "sub": person.oid, "nbf": now, "amr": "PWD", "urn:esia:amd": "PWD",
                "auth_time": now, "iss": self.issuer, "urn:esia:sid": sid,
                "urn:esia:sbj": self.subject_block(person), "exp": now + TOKEN_TTL, "iat": now,
            }
            body["id_token"] = self.make_token("id", id_claims, client.jwt_alg)
        if offline:
            body["refresh_token"] = str(uuid.uuid4())
        body.update(state=params["state"], token_type="Bearer", expires_in=TOKEN_TTL)
        with self.lock:
            self.access_tokens[access_token] = {"oid": person.oid, "scopes": set(scopes), "exp": now + TOKEN_TTL}
            if offline:
                self.refresh_grants[body["refresh_token"]] = RefreshGrant(
                    client.client_id, params["redirect_uri"], scope, person.oid, now + REFRESH_TTL, sid)
        return self.misbehave_response(body) if self.misbehave_response else body

    def revoke_refresh_tokens(self, oid: int) -> int:
        """The person withdrew the system's access at Gosuslugi: their refresh tokens stop working."""
        with self.lock:
            live = [g for g in self.refresh_grants.values() if g.oid == oid and not g.used]
            for grant in live:
                grant.used = True
        return len(live)

    def sign(self, claims: dict[str, Any], alg: str | None = None, key: Any = None,
             header: dict[str, Any] | None = None, kind: str = "id") -> str:
        alg = alg or tokens.RS256
        if header is not None:  # a hand-made header (alg=none and other forgeries)
            head = gost.b64url(_json(header))
            body = gost.b64url(_json(claims))
            return f"{head}.{body}."
        if alg == tokens.GOST:
            return tokens.encode(claims, alg=alg, key=key or self.keys.gost_key,
                                 certificate=self.keys.gost_certificate, sbt=kind)
        return tokens.encode(claims, alg=alg, key=key or self.keys.rsa_key,
                             certificate=self.keys.rsa_certificate, sbt=kind)

    def make_token(self, kind: str, claims: dict[str, Any], alg: str) -> str:
        if self.misbehave is not None:
            return self.misbehave(kind, claims, lambda c, **kw: self.sign(c, kind=kind, **({"alg": alg} | kw)))
        return self.sign(claims, alg=alg, kind=kind)

    # --- person data --------------------------------------------------------------

    def bearer(self, oid: int) -> set[str]:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        with self.lock:
            grant = self.access_tokens.get(token)
        if grant is None or grant["exp"] < self.clock() or grant["oid"] != oid:
            abort(401)
        return grant["scopes"]


def _json(data: Any) -> bytes:
    import json

    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params, quote_via=quote_plus)


def person_json(person: TestPerson, scopes: set[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "stateFacts": ["EntityRoot"], "eTag": secrets.token_hex(20).upper(), "trusted": person.confirmed,
        "status": "REGISTERED", "verifying": False, "citizenship": "RUS", "updatedOn": 1700000000,
        "rIdDoc": person.oid % 100000, "containsUpCfmCode": False, "kidAccCreatedByParent": person.level == "child",
    }
    if "fullname" in scopes:
        body.update(firstName=person.first_name, lastName=person.last_name)
        if person.middle_name:
            body["middleName"] = person.middle_name
    if "birthdate" in scopes:
        body["birthDate"] = person.birth_date.strftime("%d.%m.%Y")
    if "gender" in scopes:
        body["gender"] = person.gender
    if "snils" in scopes and person.snils:
        body["snils"] = person.snils
    return body


def kid_json(kid, scopes: set[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"stateFacts": ["Identifiable"], "id": kid.id, "eTag": secrets.token_hex(20).upper()}
    if "kid_fullname" in scopes:
        body.update(firstName=kid.first_name, lastName=kid.last_name)
        if kid.middle_name:
            body["middleName"] = kid.middle_name
    if "kid_birthdate" in scopes:
        body["birthDate"] = kid.birth_date.strftime("%d.%m.%Y")
    if "kid_gender" in scopes:
        body["gender"] = kid.gender
    if "kid_snils" in scopes and kid.snils:
        body["snils"] = kid.snils
    return body


def matching_persons(persons, query: str) -> list[TestPerson]:
    """Persons sorted by name; with a query, those whose name holds every word of it (any case, ё = е),
    or — for a number — whose oid starts with it or whose SNILS contains it."""
    ordered = sorted(persons, key=lambda p: (p.last_name, p.first_name, p.middle_name, p.oid))
    number = query.replace(" ", "").replace("-", "")
    if number.isdigit():
        return [p for p in ordered
                if str(p.oid).startswith(number) or number in "".join(filter(str.isdigit, p.snils or ""))]
    words = query.casefold().replace("ё", "е").split()
    return [p for p in ordered if all(w in p.full_name.casefold().replace("ё", "е") for w in words)]


def create_emulator_app(emulator: Emulator) -> Flask:
    """The emulator as a WSGI app (serve it with ``werkzeug.serving.make_server`` or ``eschool esia-emulator``)."""
    app = Flask(__name__)
    app.extensions["esia_emulator"] = emulator

    def fail_back(exc: EsiaFault, params: dict[str, str]):
        """Authorization errors go back to a known client's registered redirect URI; otherwise a page."""
        client = emulator.clients.get(params.get("client_id", ""))
        back = params.get("redirect_uri", "")
        if client is None or not back or not client.allows_redirect(back):
            return render_template("esia_emulator/error.html", description=exc.description), 400
        return redirect(_with_query(back, {"error": exc.error, "error_description": exc.description,
                                           "state": params.get("state", "")}))

    def authorization(version: str):
        if request.method == "POST":
            return redirect(emulator.decide(request.form.get("request", ""), request.form.get("oid"),
                                            "decline" in request.form))
        if "request" in request.args and "client_id" not in request.args:  # the picker's search and pages
            pending_id = request.args["request"]
            pending = emulator.pending_request(pending_id)
            if pending is None:
                abort(400, "Запрос на вход устарел: начните вход заново в электронной школе.")
            return picker(pending_id, pending["params"], version)
        params = request.args.to_dict()
        try:
            _, pending_id = emulator.authorize(params, version)
        except EsiaFault as exc:
            return fail_back(exc, params)
        return picker(pending_id, params, version)

    def picker(pending_id: str, params: dict[str, str], version: str):
        """The tester's page: find a person by name, oid or SNILS, a page of PAGE_SIZE at a time."""
        query = request.args.get("q", "").strip()[:100]
        found = matching_persons(emulator.persons.values(), query)
        pages = max(1, -(-len(found) // PAGE_SIZE))
        page = request.args.get("page", "1")
        page = min(int(page), pages) if page.isdigit() and 0 < len(page) < 7 and int(page) > 0 else 1
        return render_template(
            "esia_emulator/authorize.html", client=emulator.clients[params["client_id"]],
            persons=found[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], total=len(found), everyone=len(emulator.persons),
            query=query, page=page, pages=pages, pending_id=pending_id, scopes=params["scope"].split(),
            version=version,
        )

    def token(version: str):
        try:
            return jsonify(emulator.exchange(request.form.to_dict(), version))
        except EsiaFault as exc:
            return jsonify({"error": exc.error, "error_description": exc.description,
                            "state": request.form.get("state", "")}), 400

    app.add_url_rule("/aas/oauth2/v2/ac", "ac_v2", lambda: authorization("v2"), methods=["GET", "POST"])
    app.add_url_rule("/aas/oauth2/ac", "ac_v1", lambda: authorization("v1"), methods=["GET", "POST"])
    app.add_url_rule("/aas/oauth2/v3/te", "te_v3", lambda: token("v2"), methods=["POST"])
    app.add_url_rule("/aas/oauth2/te", "te_v1", lambda: token("v1"), methods=["POST"])

    @app.route("/rs/prns/<int:oid>")
    def person(oid: int):
        scopes = emulator.bearer(oid)
        return jsonify(person_json(emulator.persons[oid], scopes))

    @app.route("/rs/prns/<int:oid>/kids")
    def kids(oid: int):
        scopes = emulator.bearer(oid)
        if not any(s.startswith("kid_") for s in scopes):
            abort(403)
        items = emulator.persons[oid].kids
        embed = request.args.get("embed") == "(elements)"
        elements = [kid_json(k, scopes) if embed else f"{request.host_url}rs/prns/{oid}/kids/{k.id}" for k in items]
        return jsonify({"stateFacts": ["hasSize"], "size": len(items), "eTag": secrets.token_hex(20).upper(),
                        "elements": elements})

    @app.route("/rs/prns/<int:oid>/kids/<int:kid_id>")
    def kid(oid: int, kid_id: int):
        scopes = emulator.bearer(oid)
        found = [k for k in emulator.persons[oid].kids if k.id == kid_id]
        if not found or not any(s.startswith("kid_") for s in scopes):
            abort(404)
        return jsonify(kid_json(found[0], scopes))

    @app.route("/idp/ext/Logout")
    def logout():
        client = emulator.clients.get(request.args.get("client_id", ""))
        back = request.args.get("redirect_url", "")
        if client is None or not client.allows_redirect(back):
            return render_template("esia_emulator/error.html",
                                   description="ESIA-007023: redirect_url is not allowed for the client"), 400
        with emulator.lock:
            emulator.logouts.append({"client_id": client.client_id, "redirect_url": back, "at": emulator.clock()})
        return redirect(back)

    @app.route("/__emulator__/logouts")
    def logouts():
        with emulator.lock:
            return jsonify(list(emulator.logouts))

    @app.route("/")
    def index():
        return render_template("esia_emulator/index.html", emulator=emulator,
                               persons=sorted(emulator.persons.values(), key=lambda p: p.oid))

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", "default-src 'self'; form-action *")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers["Cache-Control"] = "no-store"
        return response

    return app
