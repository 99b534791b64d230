"""The three ways a notification leaves the platform: e-mail (SMTP), Web Push (VAPID) and a signed webhook.

Each sender takes a ready message and raises ``SendFailed`` on a failure worth
retrying, or ``TargetGone`` when the target no longer exists (a push
subscription the push service dropped). Nothing here reads the database.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02, b64urlencode

SIGNATURE_HEADER = "X-Eschool-Signature"
TIMESTAMP_HEADER = "X-Eschool-Timestamp"
DELIVERY_HEADER = "X-Eschool-Delivery"


class SendFailed(Exception):
    """The channel did not take the message this time; the delivery is retried later."""


class TargetGone(Exception):
    """The target no longer exists (HTTP 404/410 from a push service); the delivery stops."""


@dataclass(frozen=True)
class Mail:
    """An e-mail ready to go: one recipient, a subject, a plain-text body and its unsubscribe link."""

    to: str
    subject: str
    body: str
    unsubscribe_url: str
    message_key: str


def _email_message(conf: dict[str, Any], mail: Mail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = conf["sender"]
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    # stable per delivery: a repeat after a crash carries the same id, so a mail system can drop it
    msg["Message-ID"] = f"<{mail.message_key}@{conf['sender'].rsplit('@', 1)[-1]}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(mail.body)
    return msg


class VapidKey:
    """The region's VAPID key pair: signs push requests; its public half goes to the browser."""

    def __init__(self, pem: bytes):
        self.vapid = Vapid02.from_pem(pem)

    @classmethod
    def load_or_create(cls, secret: Any, instance_path: str) -> VapidKey:
        """The configured key, or (demo, tests) one made once in ``instance/notifications/vapid.pem``."""
        if secret is not None:
            return cls(str(secret).encode())
        path = Path(instance_path) / "notifications" / "vapid.pem"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fresh = Vapid02()
            fresh.generate_keys()
            path.write_bytes(fresh.private_pem())
            path.chmod(0o600)
        return cls(path.read_bytes())

    @property
    def application_server_key(self) -> str:
        """The public key as the browser's ``applicationServerKey`` wants it (uncompressed point, base64url)."""
        raw = self.vapid.public_key.public_bytes(serialization.Encoding.X962,
                                                 serialization.PublicFormat.UncompressedPoint)
        return b64urlencode(raw)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 over ``<timestamp>.<body>`` with the region's webhook secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class Outgoing:
    """One sender's open connections: an SMTP session kept across messages and an HTTP session.

    Not shared between threads: the worker gives each of its sending threads its own.
    """

    def __init__(self, conf: dict[str, Any], vapid: VapidKey | None):
        self.conf = conf
        self.vapid = vapid
        self.smtp: smtplib.SMTP | None = None
        self.http = requests.Session()

    def _smtp(self) -> smtplib.SMTP:
        if self.smtp is None:
            c = self.conf
            if c["smtp_security"] == "ssl":
                server = smtplib.SMTP_SSL(c["smtp_host"], c["smtp_port"], timeout=c["timeout_seconds"],
                                          context=ssl.create_default_context())
            else:
                server = smtplib.SMTP(c["smtp_host"], c["smtp_port"], timeout=c["timeout_seconds"])
            if c["smtp_security"] == "starttls":
                server.starttls(context=ssl.create_default_context())
            if c.get("smtp_username"):
                server.login(c["smtp_username"], str(c["smtp_password"] or ""))
            self.smtp = server
        return self.smtp

    def email(self, mail: Mail) -> None:
        """Send ``mail`` through the region's SMTP server, with one-click unsubscribe headers (RFC 8058)."""
        try:
            self._smtp().send_message(_email_message(self.conf, mail))
        except (OSError, smtplib.SMTPException) as exc:
            self._drop_smtp()
            raise SendFailed(f"smtp: {type(exc).__name__}: {exc}"[:300]) from exc

    def push(self, subscription: dict[str, Any], payload: dict[str, Any]) -> None:
        """Encrypt ``payload`` for the subscription (aes128gcm), post it to its push service, VAPID-signed."""
        from pywebpush import WebPushException, webpush  # with aiohttp: loaded by a worker that sends, not by the app

        try:
            webpush(subscription, json.dumps(payload, ensure_ascii=False), vapid_private_key=self.vapid.vapid,
                    vapid_claims={"sub": self.conf["vapid_subject"]}, timeout=self.conf["timeout_seconds"],
                    ttl=24 * 3600, requests_session=self.http)
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in (404, 410):
                raise TargetGone(f"push: subscription gone ({status})") from exc
            raise SendFailed(f"push: {status or ''} {exc}"[:300]) from exc
        except requests.RequestException as exc:
            raise SendFailed(f"push: {type(exc).__name__}") from exc

    def webhook(self, delivery_key: str, payload: dict[str, Any]) -> None:
        """Post ``payload`` as JSON to the region's webhook, signed; any answer but 2xx is a failure."""
        c = self.conf
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            DELIVERY_HEADER: delivery_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(str(c["webhook_secret"]), timestamp, body),
        }
        try:
            response = self.http.post(c["webhook_url"], data=body, headers=headers, timeout=c["timeout_seconds"],
                                      allow_redirects=False)
        except requests.RequestException as exc:
            raise SendFailed(f"webhook: {type(exc).__name__}") from exc
        if not 200 <= response.status_code < 300:
            raise SendFailed(f"webhook: HTTP {response.status_code}")

    def _drop_smtp(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            finally:
                self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):  # the messages are already accepted
                self.smtp.quit()
            self._drop_smtp()
        self.http.close()
