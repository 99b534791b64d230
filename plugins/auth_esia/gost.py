"""GOST R 34.10-2012 (256-bit) keys, raw signatures, certificates and CMS, in pure Python.

Everything ESIA needs from GOST cryptography, built on PyPI ``gostcrypto``:

* the Streebog-256 hash (GOST R 34.11-2012) — also ``client_certificate_hash``;
* raw 64-byte signatures in the byte order of OpenSSL's gost-engine, which is
  the order ESIA expects in ``client_secret`` and uses in its GOST JWTs;
* PKCS#8 private keys and X.509 certificates as OpenSSL writes and reads them;
* detached CMS (PKCS#7) SignedData, the ``client_secret`` of the v1 protocol.

The ASN.1 (PKCS#8, X.509, CMS) is pyasn1 with the pyasn1-modules RFC
definitions (5208, 5280, 5652); only the curve maths is ``gostcrypto``'s.

Interoperability with OpenSSL (checked by ``tests/auth_esia/test_gost_openssl.py``):
``gostcrypto`` wants the digest byte-reversed, and the two 32-byte halves of its
signature are swapped relative to OpenSSL's. Keys and public points are stored
little-endian inside their ASN.1 OCTET STRINGs.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import secrets
import textwrap
from dataclasses import dataclass
from functools import cache

from pyasn1.codec.der import decoder, encoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import namedtype, univ, useful
from pyasn1_modules import pem as pem_reader
from pyasn1_modules import rfc5208, rfc5280, rfc5652

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


# --- PEM and ASN.1 helpers ------------------------------------------------------


def pem(label: str, body: bytes) -> str:
    lines = textwrap.wrap(base64.b64encode(body).decode("ascii"), 64)
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def unpem(text: str, label: str) -> bytes:
    """The first ``label`` block of PEM ``text``; raise ``GostError`` if there is none."""
    try:
        index, body = pem_reader.readPemBlocksFromFile(
            io.StringIO(text), (f"-----BEGIN {label}-----", f"-----END {label}-----"))
    except ValueError:  # binascii.Error: not base64
        index, body = -1, b""
    if index < 0 or not body:
        raise GostError(f"no PEM block '{label}'")
    return body


def _decode(data: bytes, spec):
    """Strict DER decode of one whole value; raise ``GostError``."""
    try:
        value, rest = decoder.decode(data, asn1Spec=spec)
    except (PyAsn1Error, TypeError, ValueError) as exc:
        raise GostError(f"bad DER: {exc}") from None
    if rest:
        raise GostError("trailing bytes after DER")
    return value


class _GostKeyParams(univ.Sequence):
    """GostR3410-2012-PublicKeyParameters (RFC 9215): curve and digest."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("publicKeyParamSet", univ.ObjectIdentifier()),
        namedtype.OptionalNamedType("digestParamSet", univ.ObjectIdentifier()),
    )


class _SignedCertificate(univ.Sequence):
    """A certificate with its to-be-signed part kept as the very bytes that were signed."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("tbsCertificate", univ.Any()),
        namedtype.NamedType("signatureAlgorithm", rfc5280.AlgorithmIdentifier()),
        namedtype.NamedType("signature", univ.BitString()),
    )


def _algorithm(spec, oid: str, parameters: bytes | None = None):
    algorithm = spec()
    algorithm["algorithm"] = univ.ObjectIdentifier(oid)
    if parameters is not None:
        algorithm["parameters"] = univ.Any(parameters)
    return algorithm


def _gost_key_parameters() -> bytes:
    params = _GostKeyParams()
    params["publicKeyParamSet"] = univ.ObjectIdentifier(OID_PARAMSET_CP_A)
    params["digestParamSet"] = univ.ObjectIdentifier(OID_STREEBOG256)
    return encoder.encode(params)


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
        info = rfc5208.PrivateKeyInfo()
        info["version"] = 0
        info["privateKeyAlgorithm"] = _algorithm(rfc5208.AlgorithmIdentifier, OID_GOST2012_256,
                                                 _gost_key_parameters())
        info["privateKey"] = self.value.to_bytes(32, "big")[::-1]
        return pem("PRIVATE KEY", encoder.encode(info))

    @classmethod
    def from_pem(cls, text: str) -> "PrivateKey":
        """Read an unencrypted PKCS#8 GOST 2012-256 key (raw, OCTET STRING or INTEGER form)."""
        try:
            info = _decode(unpem(text, "PRIVATE KEY"), rfc5208.PrivateKeyInfo())
        except GostError as exc:
            raise GostError(f"cannot read the GOST private key: {exc}") from None
        algorithm = str(info["privateKeyAlgorithm"]["algorithm"])
        if algorithm != OID_GOST2012_256:
            raise GostError(f"not a GOST R 34.10-2012 256-bit key (algorithm {algorithm})")
        inner = info["privateKey"].asOctets()
        if len(inner) == 32:  # the little-endian value itself
            return cls(int.from_bytes(inner[::-1], "big"))
        for spec, read in ((univ.OctetString(), lambda v: int.from_bytes(v.asOctets()[::-1], "big")),
                           (univ.Integer(), int)):  # the key wrapped once more, as newer OpenSSL writes it
            try:
                return cls(read(_decode(inner, spec)))
            except GostError:
                continue
        raise GostError("cannot read the GOST private key: unknown key encoding")


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
        return pem("CERTIFICATE", self.der)

    def rsa_public_key(self):
        from cryptography import x509

        return x509.load_der_x509_certificate(self.der).public_key()


def _common_name(name) -> str:
    for rdn in name["rdnSequence"]:
        for atv in rdn:
            if atv["type"] == rfc5280.id_at_commonName:
                try:
                    value = _decode(bytes(atv["value"]), rfc5280.DirectoryString())
                    return str(value.getComponent())
                except (GostError, PyAsn1Error):
                    return ""
    return ""


def load_certificate(data: bytes | str) -> Certificate:
    """Read a certificate from PEM or DER; raise ``GostError`` if it is not one."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        if b"-----BEGIN" in raw:
            raw = unpem(raw.decode("ascii", "replace"), "CERTIFICATE")
        signed = _decode(raw, _SignedCertificate())
        tbs_der = bytes(signed["tbsCertificate"])
        tbs = _decode(tbs_der, rfc5280.TBSCertificate())
        spki = tbs["subjectPublicKeyInfo"]
        algorithm = str(spki["algorithm"]["algorithm"])
        public = None
        if algorithm == OID_GOST2012_256:
            octets = _decode(spki["subjectPublicKey"].asOctets(), univ.OctetString()).asOctets()
            if len(octets) != 64:
                raise GostError("a GOST 2012-256 public key is 64 bytes")
            public = octets[:32][::-1] + octets[32:][::-1]
        return Certificate(
            der=raw, key_algorithm=algorithm, gost_public_key=public, subject_cn=_common_name(tbs["subject"]),
            serial=int(tbs["serialNumber"]), issuer_der=encoder.encode(tbs["issuer"]), tbs=tbs_der,
            signature=signed["signature"].asOctets(),
        )
    except (GostError, PyAsn1Error) as exc:
        raise GostError(f"not an X.509 certificate: {exc}") from None


def _name(common_name: str):
    value = rfc5280.DirectoryString()
    value["utf8String"] = common_name
    atv = rfc5280.AttributeTypeAndValue()
    atv["type"] = rfc5280.id_at_commonName
    atv["value"] = univ.Any(encoder.encode(value))
    rdn = rfc5280.RelativeDistinguishedName()
    rdn.append(atv)
    name = rfc5280.Name()
    name["rdnSequence"].append(rdn)
    return name


def _utc(moment: dt.datetime):
    time = rfc5280.Time()
    time["utcTime"] = useful.UTCTime(moment.strftime("%y%m%d%H%M%SZ"))
    return time


def self_signed_certificate(key: PrivateKey, common_name: str, days: int = 365) -> Certificate:
    """A self-signed GOST certificate, as ``openssl req -x509 -newkey gost2012_256`` makes one.

    Good for the emulator and for the ESIA test stand (where self-signed GOST
    certificates are accepted); production needs a certificate from an
    accredited CA.
    """
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    tbs = rfc5280.TBSCertificate()
    tbs["version"] = "v3"
    tbs["serialNumber"] = secrets.randbits(63) | 1
    tbs["signature"] = _algorithm(rfc5280.AlgorithmIdentifier, OID_SIGN_GOST2012_256)
    tbs["issuer"] = _name(common_name)
    tbs["validity"]["notBefore"] = _utc(now - dt.timedelta(minutes=5))
    tbs["validity"]["notAfter"] = _utc(now + dt.timedelta(days=days))
    tbs["subject"] = _name(common_name)
    spki = tbs["subjectPublicKeyInfo"]
    spki["algorithm"] = _algorithm(rfc5280.AlgorithmIdentifier, OID_GOST2012_256, _gost_key_parameters())
    point = key.public_key[:32][::-1] + key.public_key[32:][::-1]
    spki["subjectPublicKey"] = univ.BitString.fromOctetString(encoder.encode(univ.OctetString(point)))
    tbs_der = encoder.encode(tbs)
    cert = rfc5280.Certificate()
    cert["tbsCertificate"] = tbs
    cert["signatureAlgorithm"] = _algorithm(rfc5280.AlgorithmIdentifier, OID_SIGN_GOST2012_256)
    cert["signature"] = univ.BitString.fromOctetString(key.sign(tbs_der))
    return load_certificate(encoder.encode(cert))


def verify_certificate_signature(cert: Certificate, issuer: Certificate) -> bool:
    """Whether ``issuer``'s GOST key signed ``cert``."""
    return bool(issuer.gost_public_key) and verify(issuer.gost_public_key, cert.tbs, cert.signature)


# --- CMS (PKCS#7) detached signatures: the v1 ``client_secret`` ---------------


def cms_sign_detached(key: PrivateKey, cert: Certificate, data: bytes) -> bytes:
    """DER SignedData without content and without signed attributes (``openssl smime -noattr``)."""
    signer = rfc5652.SignerInfo()
    signer["version"] = 1
    sid = signer["sid"]["issuerAndSerialNumber"]
    sid["issuer"] = _decode(cert.issuer_der, rfc5280.Name())
    sid["serialNumber"] = cert.serial
    signer["digestAlgorithm"] = _algorithm(rfc5652.DigestAlgorithmIdentifier, OID_STREEBOG256)
    signer["signatureAlgorithm"] = _algorithm(rfc5652.SignatureAlgorithmIdentifier, OID_GOST2012_256)
    signer["signature"] = key.sign(data)

    signed_data = rfc5652.SignedData()
    signed_data["version"] = 1
    signed_data["digestAlgorithms"].append(_algorithm(rfc5652.DigestAlgorithmIdentifier, OID_STREEBOG256))
    signed_data["encapContentInfo"]["eContentType"] = rfc5652.id_data
    choice = rfc5652.CertificateChoices()
    choice["certificate"] = _decode(cert.der, rfc5280.Certificate())
    signed_data["certificates"].append(choice)
    signed_data["signerInfos"].append(signer)

    content_info = rfc5652.ContentInfo()
    content_info["contentType"] = rfc5652.id_signedData
    content_info["content"] = encoder.encode(signed_data)
    return encoder.encode(content_info)


def _signed_attributes_digest(attrs) -> list[bytes]:
    return [
        _decode(bytes(value), rfc5652.MessageDigest()).asOctets()
        for attribute in attrs if attribute["attrType"] == rfc5652.id_messageDigest
        for value in attribute["attrValues"]
    ]


def cms_verify_detached(cms: bytes, data: bytes) -> Certificate:
    """Check a detached SignedData over ``data``; return the signer's certificate or raise ``GostError``."""
    try:
        content_info = _decode(cms, rfc5652.ContentInfo())
        if content_info["contentType"] != rfc5652.id_signedData:
            raise GostError("not a CMS SignedData")
        signed_data = _decode(bytes(content_info["content"]), rfc5652.SignedData())
        certificates = [c["certificate"] for c in signed_data["certificates"] if c.getName() == "certificate"]
        if not certificates:
            raise GostError("the signer's certificate is not embedded")
        if len(signed_data["signerInfos"]) != 1:
            raise GostError("expected exactly one signer")
        cert = load_certificate(encoder.encode(certificates[0]))
        signer = signed_data["signerInfos"][0]
        signature = signer["signature"].asOctets()
        attrs = signer["signedAttrs"]
        if attrs.isValue:
            if _signed_attributes_digest(attrs) != [streebog256(data)]:
                raise GostError("the signed message digest does not match the data")
            # The signature covers the attributes re-tagged as a plain SET OF (RFC 5652 §5.4).
            plain = rfc5652.SignedAttributes()
            plain.extend(attrs)
            signed = encoder.encode(plain)
        else:
            signed = data
    except PyAsn1Error as exc:
        raise GostError(f"cannot read the CMS signature: {exc}") from None
    except GostError as exc:
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
