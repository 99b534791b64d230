"""The pyasn1 side of gost.py: CMS with signed attributes (OpenSSL without -noattr), and hostile DER refused cleanly."""

from __future__ import annotations

import subprocess

import pytest

from plugins.auth_esia import gost
from tests.auth_esia.test_gost_openssl import needs_engine

PAYLOAD = b"openid2026.01.01 00:00:00 +0000ESCHOOL-TESTstate"


@needs_engine
def test_a_cms_with_signed_attributes_from_openssl_verifies_and_binds_the_data(tmp_path):
    key = gost.PrivateKey.generate()
    cert = gost.self_signed_certificate(key, "ESCHOOL-TEST")
    (tmp_path / "key.pem").write_text(key.to_pem())
    (tmp_path / "cert.pem").write_text(cert.pem())
    made = subprocess.run(["openssl", "smime", "-sign", "-engine", "gost", "-binary", "-outform", "DER",
                           "-md", "md_gost12_256", "-signer", "cert.pem", "-inkey", "key.pem"],
                          input=PAYLOAD, capture_output=True, cwd=tmp_path, check=False)
    assert made.returncode == 0, made.stderr
    assert gost.cms_verify_detached(made.stdout, PAYLOAD).der == cert.der
    with pytest.raises(gost.GostError, match="digest"):
        gost.cms_verify_detached(made.stdout, PAYLOAD + b"x")


def test_hostile_der_is_a_gost_error_never_a_crash():
    key = gost.PrivateKey.generate()
    cert = gost.self_signed_certificate(key, "Школа")
    cms = gost.cms_sign_detached(key, cert, PAYLOAD)
    assert gost.load_certificate(cert.pem()).subject_cn == "Школа"
    for bad in (b"", b"\x30", b"\x30\x84\xff\xff\xff\xff", b"garbage", cert.der[:-1], cert.der + b"\x00",
                "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----"):
        with pytest.raises(gost.GostError):
            gost.load_certificate(bad)
    for bad in (b"", b"\x30\x00", cms[:-3], cms + b"\x00", cert.der):
        with pytest.raises(gost.GostError):
            gost.cms_verify_detached(bad, PAYLOAD)
    for bad in ("", "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n", cert.pem()):
        with pytest.raises(gost.GostError):
            gost.PrivateKey.from_pem(bad)
