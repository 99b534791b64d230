"""Key material on disk: the demo's throwaway client key, and the emulator's own ESIA keys.

Nothing here is a secret worth keeping: these keys exist only for the demo and
the emulator, are made on first use in the instance folder, and are never
committed. A region on the test stand or in production configures its own
``certificate`` and ``private_key`` instead.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from plugins.auth_esia import gost

DEMO_CLIENT_FILE = "client.pem"
EMULATOR_DIR = "emulator"
EMULATOR_KEYS_FILE = "esia-keys.pem"
EMULATOR_RSA_CERT = "esia-rsa.crt"
EMULATOR_GOST_CERT = "esia-gost.crt"


def plugin_dir(instance_path: str) -> Path:
    return Path(instance_path) / "auth_esia"


def _create_once(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` unless it exists; two processes racing agree on one winner."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(content)
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


@dataclass(frozen=True)
class DemoClientKeys:
    """The demo system's GOST key and self-signed certificate (``<instance>/auth_esia/client.pem``)."""

    path: Path
    key_pem: str
    certificate: gost.Certificate


def demo_client_keys(instance_path: str, client_id: str) -> DemoClientKeys:
    """Load, or make on first use, the demo system's throwaway key pair (one file: key + certificate)."""
    path = plugin_dir(instance_path) / DEMO_CLIENT_FILE
    if not path.exists():
        key = gost.PrivateKey.generate()
        cert = gost.self_signed_certificate(key, f"{client_id} (demo, not for production)")
        _create_once(path, key.to_pem() + cert.pem())
    text = path.read_text()
    return DemoClientKeys(path, text, gost.load_certificate(text))


@dataclass(frozen=True)
class EmulatorKeys:
    """The emulator's own "ESIA" signing keys: RSA (RS256) and GOST (GOST3410_2012_256)."""

    rsa_key: rsa.RSAPrivateKey
    rsa_certificate: gost.Certificate
    gost_key: gost.PrivateKey
    gost_certificate: gost.Certificate

    @classmethod
    def generate(cls) -> "EmulatorKeys":
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ESIA emulator (RSA)")])
        now = dt.datetime.now(dt.UTC)
        rsa_cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(rsa_key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=3650)).sign(rsa_key, hashes.SHA256())
        )
        gost_key = gost.PrivateKey.generate()
        return cls(
            rsa_key=rsa_key,
            rsa_certificate=gost.load_certificate(rsa_cert.public_bytes(serialization.Encoding.DER)),
            gost_key=gost_key,
            gost_certificate=gost.self_signed_certificate(gost_key, "ESIA emulator (GOST)", days=3650),
        )

    def to_pem(self) -> str:
        rsa_pem = self.rsa_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii").replace("PRIVATE KEY", "RSA PRIVATE KEY PKCS8")
        return rsa_pem + self.rsa_certificate.pem() + self.gost_key.to_pem() + self.gost_certificate.pem()

    @classmethod
    def from_pem(cls, text: str) -> "EmulatorKeys":
        rsa_pem = gost.pem("PRIVATE KEY", gost.unpem(text, "RSA PRIVATE KEY PKCS8"))
        certs = text.split("-----END CERTIFICATE-----")
        return cls(
            rsa_key=serialization.load_pem_private_key(rsa_pem.encode("ascii"), password=None),
            rsa_certificate=gost.load_certificate(certs[0] + "-----END CERTIFICATE-----"),
            gost_key=gost.PrivateKey.from_pem(text.split("-----END RSA PRIVATE KEY PKCS8-----", 1)[1]),
            gost_certificate=gost.load_certificate(certs[1] + "-----END CERTIFICATE-----"),
        )

    @classmethod
    def load_or_create(cls, directory: str | os.PathLike) -> "EmulatorKeys":
        """Keys from ``directory`` (made there on first use), with the public certificates beside them."""
        folder = Path(directory)
        path = folder / EMULATOR_KEYS_FILE
        if not path.exists():
            _create_once(path, cls.generate().to_pem())
        keys = cls.from_pem(path.read_text())
        for name, cert in ((EMULATOR_RSA_CERT, keys.rsa_certificate), (EMULATOR_GOST_CERT, keys.gost_certificate)):
            if not (folder / name).exists():
                _create_once(folder / name, cert.pem())
        return keys


def emulator_certificate_paths(directory: str | os.PathLike) -> list[str]:
    folder = Path(directory)
    return [str(folder / EMULATOR_RSA_CERT), str(folder / EMULATOR_GOST_CERT)]
