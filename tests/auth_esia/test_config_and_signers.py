"""Region settings, the demo's throwaway keys, the emulator command, and a region's own signer."""

from __future__ import annotations

import stat

import pytest

from core import ConfigError
from core.api import hookimpl
from plugins.auth_esia.signers import GostcryptoSigner
from tests.auth_esia.conftest import MOTHER


def test_the_test_stand_and_production_need_a_certificate_key_and_esia_certificates(make_app):
    with pytest.raises(ConfigError) as caught:
        make_app(["registries", "auth_esia"], sections={"auth_esia": {"stand": "production"}}, migrate=False)
    message = str(caught.value)
    assert "[auth_esia]" in message and "certificate" in message and "esia_certificates" in message


def test_a_private_key_written_into_the_region_file_is_refused(make_app):
    with pytest.raises(ConfigError, match="private_key"):
        make_app(["registries", "auth_esia"], sections={"auth_esia": {"private_key": "-----BEGIN PRIVATE KEY"}},
                 migrate=False)


def test_known_stands_resolve_to_esia_hosts_and_issuers(make_app, client_pair):
    from plugins.auth_esia.runtime import base_url, issuer

    _, _, folder = client_pair
    common = {"certificate": str(folder / "client.crt"), "private_key": {"file": str(folder / "client.key")},
              "esia_certificates": [str(folder / "client.crt")]}
    for stand, host, iss in (("test", "https://esia-portal1.test.gosuslugi.ru", "http://esia-portal1.test.gosuslugi.ru/"),
                             ("production", "https://esia.gosuslugi.ru", "http://esia.gosuslugi.ru/")):
        app = make_app(["registries", "auth_esia"], sections={"auth_esia": {"stand": stand, **common}}, migrate=False)
        cfg = app.extensions["eschool"].plugin_settings["auth_esia"]
        assert (base_url(cfg), issuer(cfg)) == (host, iss)


def test_the_demo_makes_its_throwaway_key_on_first_use_and_says_esia_is_unreachable_without_the_emulator(make_app):
    app = make_app(["registries", "auth_local", "auth_esia"])
    key_file = __import__("pathlib").Path(app.instance_path) / "auth_esia" / "client.pem"
    assert not key_file.exists()
    client = app.test_client()
    response = client.get("/auth/esia/start")
    assert response.status_code == 503
    assert "попробуйте позже" in response.get_data(as_text=True)
    with app.app_context():
        from plugins.auth_esia.runtime import client_certificate

        cert, path, key_pem = client_certificate(app.extensions["eschool"].plugin_settings["auth_esia"], app)
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "PRIVATE KEY" in key_pem and cert.is_gost


def test_esia_emulator_command_prepares_keys(make_app):
    app = make_app(["registries", "auth_esia"])
    result = app.test_cli_runner().invoke(args=["esia-emulator", "--init-keys"])
    assert result.exit_code == 0, result.output
    assert "keys ready" in result.output
    emulator_dir = __import__("pathlib").Path(app.instance_path) / "auth_esia" / "emulator"
    assert (emulator_dir / "esia-rsa.crt").exists() and (emulator_dir / "esia-gost.crt").exists()
    bad = app.test_cli_runner().invoke(args=["esia-emulator", "--persons", "/nonexistent.toml"])
    assert bad.exit_code != 0 and "cannot read" in bad.output


def test_the_region_emulator_approves_what_the_region_asks_for_or_a_named_list(make_app):
    from plugins.auth_esia.emulator.server import emulator_for_region

    app = make_app(["registries", "auth_esia"], sections={"auth_esia": {"fetch_kids": True}})
    (client,) = emulator_for_region(app).clients.values()
    assert client.scopes == {"openid", "fullname", "birthdate", "gender", "snils",
                             "kid_fullname", "kid_birthdate", "kid_snils"}
    (narrow,) = emulator_for_region(app, approved_scopes="openid fullname").clients.values()
    assert narrow.scopes == {"openid", "fullname"}


class CountingSigner(GostcryptoSigner):
    calls = 0

    def sign_raw(self, data):
        CountingSigner.calls += 1
        return super().sign_raw(data)


class RegionSignerPlugin:
    """What a region's own plugin does to bring its signer (an HSM, a signing service)."""

    @hookimpl
    def app_ready(self, app):
        app.extensions["eschool"].services["esia_signers"].register("region-hsm", CountingSigner)


def test_a_region_adds_its_own_signer_from_a_plugin(make_stand):
    stand = make_stand(esia_section={"signer": "region-hsm"}, extra={"region_signer": RegionSignerPlugin()})
    made = stand.registry({MOTHER: "mother"})
    browser = stand.browser()
    stand.login(browser, MOTHER)
    assert stand.whoami(browser)["user_id"] == made["users"][MOTHER]
    assert CountingSigner.calls == 2  # the authorization request and the token request


def test_a_signer_name_nobody_registered_is_a_configuration_error_shown_politely(make_stand):
    stand = make_stand(esia_section={"signer": "nonexistent"})
    response = stand.browser().get(stand.url + "/auth/esia/start", allow_redirects=False)
    assert response.status_code == 503 and "ошибки настройки" in response.text
