"""GOST R 34.10-2012 (256-bit) keys, raw signatures, certificates and CMS, in pure Python.

Everything ESIA needs from GOST cryptography, built on PyPI ``gostcrypto``:

* the Streebog-256 hash (GOST R 34.11-2012) — also ``client_certificate_hash``;
* raw 64-byte signatures in the byte order of OpenSSL's gost-engine, which is
  the order ESIA expects in ``client_secret`` and uses in its GOST JWTs;
* PKCS#8 private keys and X.509 certificates as OpenSSL writes and reads them;
* detached CMS (PKCS#7) SignedData, the ``client_secret`` of the v1 protocol.

Interoperability with OpenSSL (checked by ``tests/auth_esia/test_gost_openssl.py``):
``gostcrypto`` wants the digest byte-reversed, and the two 32-byte halves of its
signature are swapped relative to OpenSSL's. Keys and public points are stored
little-endian inside their ASN.1 OCTET STRINGs.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass
from functools import cache

from plugins.auth_esia import der

OID_GOST2012_256 = "1.2.643.7.1.1.1.1"
OID_STREEBOG256 = "1.2.643.7.1.1.2.2"
OID_SIGN_GOST2012_256 = "1.2.643.7.1.1.3.2"
OID_PARAMSET_CP_A = "1.2.643.2.2.35.1"
OID_RSA = "1.2.840.113549.1.1.1"
OID_CN = "2.5.4.3"
OID_DATA = "1.2.840.113549.1.7.1"
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"


class GostError(ValueError):
    """A key, certificate or signature that cannot be used."""


# gostcrypto takes a good part of the app's start-up to import; it is loaded when something is first
# hashed, signed or verified, not when the app starts


@cache
def curve() -> dict:
    """id-GostR3410-2001-CryptoPro-A-ParamSet — the curve of ``-pkeyopt paramset:A``;
    gostcrypto calls the same curve id-tc26-gost-3410-2012-256-paramSetB."""
    from gostcrypto import gostsignature

    return gostsignature.CURVES_R_1323565_1_024_2019["id-tc26-gost-3410-2012-256-paramSetB"]


def streebog256(data: bytes) -> bytes:
    from gostcrypto import gosthash

    return bytes(gosthash.new("streebog256", data=data).digest())


def _engine():
    from gostcrypto import gostsignature

    return gostsignature.new(gostsignature.MODE_256, curve())


@dataclass(frozen=True)
class PrivateKey:
    """A GOST R 34.10-2012 256-bit private key (the big-endian number OpenSSL prints)."""

    value: int

    @classmethod
    def generate(cls) -> "PrivateKey":
        return cls(secrets.randbelow(curve()["q"] - 1) + 1)

    @property
    def public_key(self) -> bytes:
        """64 bytes, gostcrypto's form: big-endian X || big-endian Y."""
        return bytes(_engine().public_key_generate(bytearray(self.value.to_bytes(32, "big"))))

    def sign(self, data: bytes) -> bytes:
        """Raw signature over Streebog-256(data), in OpenSSL / ESIA byte order."""
        digest = streebog256(data)[::-1]
        sig = bytes(_engine().sign(bytearray(self.value.to_bytes(32, "big")), bytearray(digest)))
        return sig[32:] + sig[:32]

    def to_pem(self) -> str:
        """PKCS#8 PEM as ``openssl req -newkey gost2012_256 -pkeyopt paramset:A`` writes it."""
        body = der.seq(
            der.integer(0),
            _gost_algorithm_identifier(),
            der.octet_string(self.value.to_bytes(32, "big")[::-1]),
        )
        return der.pem("PRIVATE KEY", body)

    @classmethod
    def from_pem(cls, pem: str) -> "PrivateKey":
        """Read an unencrypted PKCS#8 GOST 2012-256 key (OCTET STRING or INTEGER form)."""
        try:
            node = der.parse(der.unpem(pem, "PRIVATE KEY"))
            algorithm = node.children[1].children[0].oid()
            if algorithm != OID_GOST2012_256:
                raise GostError(f"not a GOST R 34.10-2012 256-bit key (algorithm {algorithm})")
            inner = node.children[2].content
            if inner[:1] in (b"\x04", b"\x02"):  # the key wrapped once more
                wrapped = der.parse(inner)
                if wrapped.tag == 0x02:
                    return cls(int.from_bytes(wrapped.content, "big"))
                inner = wrapped.content
            return cls(int.from_bytes(inner[::-1], "big"))
        except (IndexError, ValueError) as exc:
            if isinstance(exc, GostError):
                raise
            raise GostError(f"cannot read the GOST private key: {exc}") from None


def verify(public_key: bytes, data: bytes, signature: bytes) -> bool:
    """Check a raw OpenSSL-order signature; ``public_key`` as ``PrivateKey.public_key``."""
    if len(signature) != 64 or len(public_key) != 64:
        return False
    digest = streebog256(data)[::-1]
    swapped = signature[32:] + signature[:32]
    try:
        return bool(_engine().verify(bytearray(public_key), bytearray(digest), bytearray(swapped)))
    except Exception:  # gostcrypto raises on out-of-range values: not a valid signature
        return False


def _gost_algorithm_identifier() -> bytes:
    return der.seq(der.oid(OID_GOST2012_256), der.seq(der.oid(OID_PARAMSET_CP_A), der.oid(OID_STREEBOG256)))


def _point_to_der_octets(public_key: bytes) -> bytes:
    return public_key[:32][::-1] + public_key[32:][::-1]


@dataclass(frozen=True)
class Certificate:
    """An X.509 certificate: its DER, its key algorithm and (for GOST) its public point."""

    der: bytes
    key_algorithm: str
    gost_public_key: bytes | None
    subject_cn: str
    serial: int
    issuer_der: bytes
    tbs: bytes
    signature: bytes

    @property
    def hash_hex(self) -> str:
        """Streebog-256 of the DER, upper-case hex: ESIA's ``client_certificate_hash`` and ``x5t#St256``."""
        return streebog256(self.der).hex().upper()

    @property
    def is_gost(self) -> bool:
        return self.key_algorithm == OID_GOST2012_256

    def pem(self) -> str:
        return der.pem("CERTIFICATE", self.der)

    def rsa_public_key(self):
        from cryptography import x509

        return x509.load_der_x509_certificate(self.der).public_key()


def load_certificate(data: bytes | str) -> Certificate:
    """Read a certificate from PEM or DER; raise ``GostError`` if it is not one."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        if b"-----BEGIN" in raw:
            raw = der.unpem(raw.decode("ascii", "replace"), "CERTIFICATE")
        cert = der.parse(raw)
        tbs = cert.children[0]
        fields = tbs.children[1:] if tbs.children[0].tag == 0xA0 else tbs.children
        serial = int.from_bytes(fields[0].content, "big", signed=True)
        issuer, subject, spki = fields[2], fields[4], fields[5]
        algorithm = spki.children[0].children[0].oid()
        public = None
        if algorithm == OID_GOST2012_256:
            bits = spki.children[1].content[1:]
            octets = der.parse(bits).content
            public = octets[:32][::-1] + octets[32:][::-1]
        cn = ""
        for rdn in subject.children:
            for atv in rdn.children:
                if atv.children[0].oid() == OID_CN:
                    cn = atv.children[1].content.decode("utf-8", "replace")
        return Certificate(
            der=raw, key_algorithm=algorithm, gost_public_key=public, subject_cn=cn, serial=serial,
            issuer_der=issuer.encoded, tbs=tbs.encoded, signature=cert.children[2].content[1:],
        )
    except (IndexError, ValueError) as exc:
        raise GostError(f"not an X.509 certificate: {exc}") from None


def self_signed_certificate(key: PrivateKey, common_name: str, days: int = 365) -> Certificate:
    """A self-signed GOST certificate, as ``openssl req -x509 -newkey gost2012_256`` makes one.

    Good for the emulator and for the ESIA test stand (where self-signed GOST
    certificates are accepted); production needs a certificate from an
    accredited CA.
    """
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    name = der.seq(der.set_of(der.seq(der.oid(OID_CN), der.utf8(common_name))))
    signature_algorithm = der.seq(der.oid(OID_SIGN_GOST2012_256))
    spki = der.seq(_gost_algorithm_identifier(), der.bit_string(der.octet_string(_point_to_der_octets(key.public_key))))
    tbs = der.seq(
        der.explicit(0, der.integer(2)),
        der.integer(secrets.randbits(63) | 1),
        signature_algorithm,
        name,
        der.seq(der.utc_time(now - dt.timedelta(minutes=5)), der.utc_time(now + dt.timedelta(days=days))),
        name,
        spki,
    )
    body = der.seq(tbs, signature_algorithm, der.bit_string(key.sign(tbs)))
    return load_certificate(body)


def verify_certificate_signature(cert: Certificate, issuer: Certificate) -> bool:
    """Whether ``issuer``'s GOST key signed ``cert``."""
    return bool(issuer.gost_public_key) and verify(issuer.gost_public_key, cert.tbs, cert.signature)


# --- CMS (PKCS#7) detached signatures: the v1 ``client_secret`` ---------------


def cms_sign_detached(key: PrivateKey, cert: Certificate, data: bytes) -> bytes:
    """DER SignedData without content and without signed attributes (``openssl smime -noattr``)."""
    digest_algorithm = der.seq(der.oid(OID_STREEBOG256))
    issuer_serial = der.seq(cert.issuer_der, der.integer(cert.serial))
    signer_info = der.seq(
        der.integer(1),
        issuer_serial,
        digest_algorithm,
        der.seq(der.oid(OID_GOST2012_256)),
        der.octet_string(key.sign(data)),
    )
    signed_data = der.seq(
        der.integer(1),
        der.set_of(digest_algorithm),
        der.seq(der.oid(OID_DATA)),
        der.implicit_constructed(0, cert.der),
        der.set_of(signer_info),
    )
    return der.seq(der.oid(OID_SIGNED_DATA), der.explicit(0, signed_data))


def cms_verify_detached(cms: bytes, data: bytes) -> Certificate:
    """Check a detached SignedData over ``data``; return the signer's certificate or raise ``GostError``."""
    try:
        content_info = der.parse(cms)
        if content_info.children[0].oid() != OID_SIGNED_DATA:
            raise GostError("not a CMS SignedData")
        signed_data = content_info.children[1].children[0]
        parts = signed_data.children
        certificates = [p for p in parts if p.tag == 0xA0]
        if not certificates:
            raise GostError("the signer's certificate is not embedded")
        cert = load_certificate(certificates[0].children[0].encoded)
        signer_info = parts[-1].children[0]
        fields = signer_info.children
        signed_attrs = next((f for f in fields if f.tag == 0xA0), None)
        signature = fields[-1].content
        if signed_attrs is not None:
            digests = [
                a.children[1].children[0].content for a in signed_attrs.children
                if a.children[0].oid() == OID_MESSAGE_DIGEST
            ]
            if digests != [streebog256(data)]:
                raise GostError("the signed message digest does not match the data")
            signed = b"\x31" + signed_attrs.encoded[1:]
        else:
            signed = data
    except (IndexError, ValueError) as exc:
        if isinstance(exc, GostError):
            raise
        raise GostError(f"cannot read the CMS signature: {exc}") from None
    if not cert.is_gost or not verify(cert.gost_public_key, signed, signature):
        raise GostError("the CMS signature does not verify")
    return cert


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding (ESIA clients differ); raise ``ValueError``."""
    text = text.strip()
    if "+" in text or "/" in text:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
