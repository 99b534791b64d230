"""ESIA's JWTs as the client checks them: every malformed time claim is a refusal, never a crash."""

from __future__ import annotations

import time

import pytest

from plugins.auth_esia import tokens

ISSUER = "http://esia-portal1.test.gosuslugi.ru/"


def claims(**changes):
    now = int(time.time())
    return {"iss": ISSUER, "nbf": now, "iat": now, "exp": now + 3600, "sub": 2001, **changes}


def check(token, emulator_keys, **kw):
    return tokens.verify(token, certificates=[emulator_keys.rsa_certificate, emulator_keys.gost_certificate],
                         algorithms=[tokens.RS256, tokens.GOST], issuer=ISSUER, sbt="id", leeway=60, **kw)


def sign(emulator_keys, payload, alg=tokens.RS256):
    if alg == tokens.GOST:
        return tokens.encode(payload, alg=alg, key=emulator_keys.gost_key,
                             certificate=emulator_keys.gost_certificate, sbt="id")
    return tokens.encode(payload, alg=alg, key=emulator_keys.rsa_key, certificate=emulator_keys.rsa_certificate,
                         sbt="id")


@pytest.mark.parametrize("alg", [tokens.RS256, tokens.GOST])
def test_a_validly_signed_token_verifies(emulator_keys, alg):
    assert check(sign(emulator_keys, claims(), alg), emulator_keys)["sub"] == 2001


@pytest.mark.parametrize("bad", [
    {"nbf": "1700000000"}, {"nbf": None}, {"nbf": [1]}, {"nbf": True},
    {"exp": "4102444800"}, {"exp": True}, {"iat": "1700000000"}, {"iat": {"n": 1}},
    {"exp": float("nan")},
])
@pytest.mark.parametrize("alg", [tokens.RS256, tokens.GOST])
def test_a_validly_signed_token_with_a_malformed_time_claim_is_refused(emulator_keys, bad, alg):
    token = sign(emulator_keys, claims(**bad), alg)
    with pytest.raises(tokens.TokenError):
        check(token, emulator_keys)


def test_a_token_without_exp_or_iat_is_refused(emulator_keys):
    for missing in ("exp", "iat"):
        payload = claims()
        del payload[missing]
        with pytest.raises(tokens.TokenError, match=missing):
            check(sign(emulator_keys, payload), emulator_keys)


def test_the_emulator_command_offers_exactly_the_token_algorithms():
    # the command names them without importing the token module, so `eschool --help` stays light
    from plugins.auth_esia import tokens
    from plugins.auth_esia.emulator import cli

    assert cli.ALGORITHMS == (tokens.RS256, tokens.GOST)
