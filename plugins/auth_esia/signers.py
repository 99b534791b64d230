"""Signers: who makes the ``client_secret`` — pluggable by name.

A signer is any object with two methods:

* ``sign_raw(data: bytes) -> bytes`` — a raw 64-byte GOST R 34.10-2012
  signature over Streebog-256(data), in OpenSSL's byte order (protocol v2/v3);
* ``sign_pkcs7(data: bytes) -> bytes`` — a detached CMS SignedData in DER
  (protocol v1).

Signers are made by factories registered by name in the ``esia_signers``
service (``SignerRegistry``); a region adds its own (an HSM, a signing
server) from its plugin's ``app_ready``::

    app.extensions["eschool"].services["esia_signers"].register("hsm", make_hsm_signer)

and names it in ``[auth_esia] signer = "hsm"``. A factory is called as
``factory(options=SignerOptions)``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from plugins.auth_esia import gost


class SignerError(RuntimeError):
    """The signature could not be made (missing key, tool failed); the message is for the operator."""


class Signer(Protocol):
    def sign_raw(self, data: bytes) -> bytes: ...

    def sign_pkcs7(self, data: bytes) -> bytes: ...


@dataclass(frozen=True)
class SignerOptions:
    """What a signer factory gets: the key (PEM text, may be None), the certificate, and free options."""

    private_key_pem: str | None
    certificate: gost.Certificate
    certificate_path: str | None
    options: dict[str, Any] = field(default_factory=dict)


class GostcryptoSigner:
    """Pure Python (``gostcrypto``): for development, tests, and regions whose key is a file."""

    def __init__(self, options: SignerOptions):
        if not options.private_key_pem:
            raise SignerError("the gostcrypto signer needs [auth_esia] private_key")
        self.key = gost.PrivateKey.from_pem(options.private_key_pem)
        self.certificate = options.certificate
        if self.certificate.gost_public_key != self.key.public_key:
            raise SignerError("[auth_esia] private_key does not belong to [auth_esia] certificate")

    def sign_raw(self, data: bytes) -> bytes:
        return self.key.sign(data)

    def sign_pkcs7(self, data: bytes) -> bytes:
        return gost.cms_sign_detached(self.key, self.certificate, data)


def _run(command: list[str], data: bytes, timeout: float = 30) -> bytes:
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SignerError(f"signing command {command[0]} failed: {exc}") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise SignerError(f"signing command {command[0]} exited with {done.returncode}: {tail[0]}")
    return done.stdout


class _KeyFile:
    """The private key in a 0600 temporary file for the duration of one command."""

    def __init__(self, pem: str):
        self.pem = pem

    def __enter__(self) -> str:
        fd, self.path = tempfile.mkstemp(prefix="esia-key-", suffix=".pem")
        with os.fdopen(fd, "w") as fh:
            fh.write(self.pem)
        return self.path

    def __exit__(self, *exc) -> None:
        os.unlink(self.path)


class OpenSSLSigner:
    """``openssl`` with the GOST engine (Debian ``libengine-gost-openssl``), as an external command.

    Options: ``command`` (default ``openssl``), ``engine`` (default ``gost``).
    """

    def __init__(self, options: SignerOptions):
        if not options.private_key_pem or not options.certificate_path:
            raise SignerError("the openssl signer needs [auth_esia] private_key and certificate files")
        self.options = options
        self.command = str(options.options.get("command", "openssl"))
        self.engine = str(options.options.get("engine", "gost"))

    def sign_raw(self, data: bytes) -> bytes:
        with _KeyFile(self.options.private_key_pem) as key:
            return _run([self.command, "dgst", "-engine", self.engine, "-md_gost12_256", "-sign", key], data)

    def sign_pkcs7(self, data: bytes) -> bytes:
        with _KeyFile(self.options.private_key_pem) as key:
            return _run([
                self.command, "smime", "-sign", "-engine", self.engine, "-binary", "-outform", "DER", "-noattr",
                "-md", "md_gost12_256", "-signer", self.options.certificate_path, "-inkey", key,
            ], data)


class CryptoProSigner:
    """CryptoPro CSP's ``csptest``: the key stays in a CryptoPro container.

    CryptoPro writes raw signatures in the reverse byte order of OpenSSL and
    ESIA, so they are reversed here. Options: ``command`` (default
    ``/opt/cprocsp/bin/amd64/csptest``), ``container`` (required), ``thumbprint``
    (SHA-1 of the certificate, for the v1 PKCS#7 form), ``password``.
    """

    def __init__(self, options: SignerOptions):
        self.command = str(options.options.get("command", "/opt/cprocsp/bin/amd64/csptest"))
        self.container = options.options.get("container")
        if not self.container:
            raise SignerError("the cryptopro signer needs signer_options.container")
        self.thumbprint = options.options.get("thumbprint")
        self.password = options.options.get("password")

    def sign_raw(self, data: bytes) -> bytes:
        with tempfile.TemporaryDirectory(prefix="esia-cp-") as tmp:
            source, target = os.path.join(tmp, "in"), os.path.join(tmp, "out")
            with open(source, "wb") as fh:
                fh.write(data)
            command = [self.command, "-keyset", "-sign", "GOST12_256", "-container", str(self.container),
                       "-keytype", "exchange", "-in", source, "-out", target]
            if self.password:
                command += ["-password", str(self.password)]
            _run(command, b"")
            with open(target, "rb") as fh:
                return fh.read()[::-1]

    def sign_pkcs7(self, data: bytes) -> bytes:
        if not self.thumbprint:
            raise SignerError("the cryptopro signer needs signer_options.thumbprint for protocol v1")
        with tempfile.TemporaryDirectory(prefix="esia-cp-") as tmp:
            source, target = os.path.join(tmp, "in"), os.path.join(tmp, "out")
            with open(source, "wb") as fh:
                fh.write(data)
            _run([self.command, "-sfsign", "-sign", "-detached", "-add", "-alg", "GOST12_256",
                  "-in", source, "-out", target, "-my", str(self.thumbprint)], b"")
            with open(target, "rb") as fh:
                return fh.read()


class SignerRegistry:
    """Signer factories by name; one registry per app (the ``esia_signers`` service)."""

    def __init__(self) -> None:
        self._factories: dict[str, Callable[..., Signer]] = {
            "gostcrypto": GostcryptoSigner,
            "openssl": OpenSSLSigner,
            "cryptopro": CryptoProSigner,
        }

    def register(self, name: str, factory: Callable[..., Signer]) -> None:
        """Add a signer; a name already taken is an error (no silent replacement)."""
        if name in self._factories:
            raise ValueError(f"an ESIA signer named '{name}' is already registered")
        self._factories[name] = factory

    def names(self) -> list[str]:
        return sorted(self._factories)

    def make(self, name: str, options: SignerOptions) -> Signer:
        if name not in self._factories:
            raise SignerError(f"[auth_esia] signer '{name}' is not registered; known: {', '.join(self.names())}")
        return self._factories[name](options)
