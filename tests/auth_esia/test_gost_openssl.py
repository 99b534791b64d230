"""The pure-Python GOST code against OpenSSL's GOST engine (Debian ``libengine-gost-openssl``)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from plugins.auth_esia import gost
from plugins.auth_esia.signers import OpenSSLSigner, SignerOptions


def engine_missing() -> str | None:
    if shutil.which("openssl") is None:
        return "no openssl command"
    probe = subprocess.run(["openssl", "engine", "gost"], capture_output=True, text=True)
    if probe.returncode != 0:
        return "OpenSSL GOST engine not installed (apt-get install libengine-gost-openssl)"
    return None


REASON = engine_missing()
if REASON:
    print(f"GOST/OpenSSL interoperability tests skipped: {REASON}")
needs_engine = pytest.mark.skipif(REASON is not None, reason=REASON or "")


def openssl(*args, cwd, data: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], cwd=cwd, input=data, capture_output=True, check=False)


@pytest.fixture
def pair(tmp_path):
    key = gost.PrivateKey.generate()
    cert = gost.self_signed_certificate(key, "ESCHOOL-TEST")
    (tmp_path / "key.pem").write_text(key.to_pem())
    (tmp_path / "cert.pem").write_text(cert.pem())
    return key, cert


@needs_engine
def test_a_signature_of_the_pure_python_signer_verifies_with_openssl(tmp_path, pair):
    key, cert = pair
    data = b"ESCHOOL-TESTopenid fullname2026.01.01 00:00:00 +0000state"
    (tmp_path / "data").write_bytes(data)
    (tmp_path / "sig").write_bytes(key.sign(data))
    pub = openssl("x509", "-engine", "gost", "-in", "cert.pem", "-pubkey", "-noout", cwd=tmp_path)
    (tmp_path / "pub.pem").write_bytes(pub.stdout)
    done = openssl("dgst", "-engine", "gost", "-md_gost12_256", "-verify", "pub.pem", "-signature", "sig", "data",
                   cwd=tmp_path)
    assert b"Verified OK" in done.stdout, done.stderr
    (tmp_path / "sig").write_bytes(key.sign(data + b"x"))
    tampered = openssl("dgst", "-engine", "gost", "-md_gost12_256", "-verify", "pub.pem", "-signature", "sig",
                       "data", cwd=tmp_path)
    assert b"Verified OK" not in tampered.stdout


@needs_engine
def test_an_openssl_signature_verifies_in_pure_python(tmp_path, pair):
    key, cert = pair
    signer = OpenSSLSigner(SignerOptions((tmp_path / "key.pem").read_text(), cert, str(tmp_path / "cert.pem")))
    signature = signer.sign_raw(b"hello esia")
    assert len(signature) == 64
    assert gost.verify(cert.gost_public_key, b"hello esia", signature)
    assert not gost.verify(cert.gost_public_key, b"hello esiA", signature)


@needs_engine
def test_keys_and_certificates_round_trip_between_openssl_and_python(tmp_path, pair):
    key, cert = pair
    printed = openssl("pkey", "-engine", "gost", "-in", "key.pem", "-text", "-noout", cwd=tmp_path).stdout.decode()
    # OpenSSL prints the private value as a bignum: no leading zeros, so compare numbers, not strings
    printed_value = re.search(r"Private key:\s*([0-9A-Fa-f]+)", printed)
    assert printed_value is not None, printed
    assert int(printed_value.group(1), 16) == key.value
    verified = openssl("verify", "-engine", "gost", "-CAfile", "cert.pem", "cert.pem", cwd=tmp_path)
    assert b"cert.pem: OK" in verified.stdout, verified.stderr
    made = openssl("req", "-engine", "gost", "-x509", "-newkey", "gost2012_256", "-pkeyopt", "paramset:A", "-nodes",
                   "-keyout", "k2.pem", "-out", "c2.pem", "-subj", "/CN=openssl", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    theirs = gost.load_certificate((tmp_path / "c2.pem").read_text())
    assert gost.PrivateKey.from_pem((tmp_path / "k2.pem").read_text()).public_key == theirs.gost_public_key
    assert gost.verify_certificate_signature(theirs, theirs)


@needs_engine
def test_client_certificate_hash_equals_openssl_streebog_of_the_der(tmp_path, pair):
    _, cert = pair
    (tmp_path / "cert.der").write_bytes(cert.der)
    done = openssl("dgst", "-engine", "gost", "-md_gost12_256", "-r", "cert.der", cwd=tmp_path)
    assert done.stdout.decode().split()[0].upper() == cert.hash_hex
    assert len(cert.hash_hex) == 64 and cert.hash_hex == cert.hash_hex.upper()


@needs_engine
def test_v1_detached_pkcs7_interoperates_both_ways(tmp_path, pair):
    key, cert = pair
    (tmp_path / "payload").write_bytes(b"openid2026.01.01 00:00:00 +0000ESCHOOL-TESTstate")
    (tmp_path / "ours.der").write_bytes(gost.cms_sign_detached(key, cert, (tmp_path / "payload").read_bytes()))
    checked = openssl("smime", "-verify", "-engine", "gost", "-inform", "DER", "-in", "ours.der", "-content",
                      "payload", "-noverify", "-binary", "-out", "/dev/null", cwd=tmp_path)
    assert b"Verification successful" in checked.stderr, checked.stderr
    signer = OpenSSLSigner(SignerOptions((tmp_path / "key.pem").read_text(), cert, str(tmp_path / "cert.pem")))
    theirs = signer.sign_pkcs7((tmp_path / "payload").read_bytes())
    assert gost.cms_verify_detached(theirs, (tmp_path / "payload").read_bytes()).der == cert.der
    with pytest.raises(gost.GostError):
        gost.cms_verify_detached(theirs, b"other payload")


@needs_engine
def test_a_region_using_the_openssl_signer_logs_in_through_the_emulator(make_stand, client_pair):
    from tests.auth_esia.conftest import MOTHER

    stand = make_stand(esia_section={"signer": "openssl"})
    made = stand.registry({MOTHER: "mother"})
    browser = stand.browser()
    stand.login(browser, MOTHER)
    assert stand.whoami(browser)["user_id"] == made["users"][MOTHER]


def test_cryptopro_raw_signatures_are_byte_reversed_into_esia_order(tmp_path, pair):
    """csptest writes the signature reversed; a stand-in csptest (OpenSSL order, reversed) proves the undo."""
    key, cert = pair
    fake = tmp_path / "csptest"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"sys.path.insert(0, {str(__import__('pathlib').Path(__file__).resolve().parents[2])!r})\n"
        "from plugins.auth_esia import gost\n"
        "a = sys.argv\n"
        f"key = gost.PrivateKey.from_pem(open({str(tmp_path / 'key.pem')!r}).read())\n"
        "data = open(a[a.index('-in') + 1], 'rb').read()\n"
        "open(a[a.index('-out') + 1], 'wb').write(key.sign(data)[::-1])\n"
    )
    fake.chmod(0o755)
    from plugins.auth_esia.signers import CryptoProSigner

    signer = CryptoProSigner(SignerOptions(None, cert, None, {"command": str(fake), "container": "\\\\.\\HDIMAGE\\x"}))
    assert gost.verify(cert.gost_public_key, b"data", signer.sign_raw(b"data"))
