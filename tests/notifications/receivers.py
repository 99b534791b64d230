"""Real loopback servers the notification tests deliver to: SMTP (aiosmtpd), a push service, a webhook bot.

The push service is what a browser vendor runs, reduced to what matters here: it
checks the VAPID signature (ES256 JWT, ``aud`` = its own origin, ``k`` = the
region's public key) and decrypts the aes128gcm payload with the private key and
auth secret that only the subscribing "browser" (the test) holds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from typing import Any

import http_ece
import jwt
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.wrappers import Request, Response


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpInbox:
    """An aiosmtpd server on loopback keeping every message it accepts, parsed."""

    def __init__(self):
        self.messages: list[Any] = []
        self.arrived = threading.Condition()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.arrived:
            self.messages.append(parsed)
            self.arrived.notify_all()
        return "250 OK"

    @property
    def port(self) -> int:
        return self.controller.port

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def texts(self) -> list[str]:
        return [m.get_body(("plain",)).get_content() for m in self.messages]


@dataclass
class Browser:
    """A subscribing browser: its own P-256 key and auth secret, as ``PushSubscription.toJSON()`` gives them."""

    endpoint: str
    private_key: Any = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        public = self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                            serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}


class PushService:
    """A loopback push service: ``/push/<name>`` for each registered browser; decrypts what arrives."""

    def __init__(self):
        self.browsers: dict[str, Browser] = {}
        self.received: list[dict[str, Any]] = []
        self.answer = 201
        self.url = ""

    def browser(self, name: str) -> Browser:
        self.browsers[name] = Browser(f"{self.url}/push/{name}")
        return self.browsers[name]

    def __call__(self, environ, start_response):
        request = Request(environ)
        name = request.path.rsplit("/", 1)[-1]
        browser = self.browsers.get(name)
        if browser is None:
            return Response("no such subscription", 410)(environ, start_response)
        vapid = self._check_vapid(request.headers.get("Authorization", ""))
        payload = http_ece.decrypt(request.get_data(), private_key=browser.private_key,
                                   auth_secret=browser.auth, version=request.headers.get("Content-Encoding"))
        self.received.append({"browser": name, "payload": json.loads(payload), "vapid": vapid,
                              "ttl": request.headers.get("TTL")})
        return Response("", self.answer)(environ, start_response)

    def _check_vapid(self, header: str) -> dict[str, Any]:
        parts = dict(p.strip().split("=", 1) for p in header.removeprefix("vapid ").split(","))
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
        claims = jwt.decode(parts["t"], key=key, algorithms=["ES256"], audience=self.url)
        return {"k": parts["k"], **claims}


class WebhookBot:
    """The region's messenger bot: checks each request's HMAC signature; can fail the first N requests."""

    def __init__(self, secret: str):
        self.secret = secret
        self.received: list[dict[str, Any]] = []
        self.fail_next = 0

    def __call__(self, environ, start_response):
        request = Request(environ)
        body = request.get_data()
        expected = "sha256=" + hmac.new(self.secret.encode(), request.headers["X-Eschool-Timestamp"].encode()
                                        + b"." + body, hashlib.sha256).hexdigest()
        entry = {"valid": hmac.compare_digest(expected, request.headers.get("X-Eschool-Signature", "")),
                 "delivery": request.headers.get("X-Eschool-Delivery"), "json": json.loads(body)}
        if self.fail_next:
            self.fail_next -= 1
            entry["answered"] = 503
            self.received.append(entry)
            return Response("busy", 503)(environ, start_response)
        entry["answered"] = 200
        self.received.append(entry)
        return Response("ok", 200)(environ, start_response)

    def accepted(self) -> list[dict[str, Any]]:
        return [r for r in self.received if r["answered"] == 200]
