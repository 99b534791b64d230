"""The app factory: exactly the named plugins, validated config, one PluginManager per app."""

import pytest

from core import ConfigError, PluginError, create_app
from core.api import hookimpl
from tests.core import hookplugin


def _config(tmp_path, plugins, **sections):
    return {
        "eschool": {"plugins": plugins, "instance_path": str(tmp_path / "inst"),
                    "database_url": f"sqlite:///{tmp_path / 'x.sqlite3'}"},
        **sections,
    }


@pytest.mark.covers_hook("app_ready")
@pytest.mark.covers_hook("services")
def test_two_apps_with_different_plugin_lists_work_side_by_side(make_app, make_user, login):
    with_notes = make_app(["hooktester"], extra={"hooktester": hookplugin})
    plain = make_app([])
    assert with_notes.extensions["eschool"].pm is not plain.extensions["eschool"].pm
    assert with_notes in hookplugin.ready_apps and plain not in hookplugin.ready_apps
    assert with_notes.extensions["eschool"].services["notes"] is hookplugin.Note
    assert plain.extensions["eschool"].services == {}

    user = make_user("parent", "Двое", app=with_notes)
    client = with_notes.test_client()
    login(client, user)
    assert client.get("/hooktester/notes").status_code == 200
    assert plain.test_client().get("/hooktester/notes").status_code == 404
    # each app has its own database: the user exists only in the first
    from core.models import User

    with plain.app_context():
        assert User.select().count() == 0
    with with_notes.app_context():
        assert User.select().count() == 1


def test_unknown_plugin_stops_start_up_naming_it_and_the_installed_ones(tmp_path):
    with pytest.raises(PluginError) as err:
        create_app(_config(tmp_path, ["registries", "no_such_plugin"]))
    message = str(err.value)
    assert "no_such_plugin" in message and "registries" in message and "\n" not in message


@pytest.mark.covers_hook("plugin_requires")
def test_missing_required_plugin_stops_start_up(tmp_path):
    with pytest.raises(PluginError, match="'gradebook' needs plugin\\(s\\) registries"):
        create_app(_config(tmp_path, ["gradebook"]))


def test_misspelled_hook_implementation_stops_start_up(tmp_path):
    class Typo:
        @hookimpl
        def login_method(self):  # the hook is login_methods
            return []

    with pytest.raises(PluginError, match="login_method"):
        create_app(_config(tmp_path, ["typo"]), plugins={"typo": Typo()})


@pytest.mark.covers_hook("config_schema")
def test_plugin_section_is_validated_with_defaults(make_app):
    app = make_app(["hooktester"], extra={"hooktester": hookplugin}, sections={"hooktester": {"limit": 7}})
    expected = {"greeting": "Привет", "limit": 7, "api_key": None}
    assert app.extensions["eschool"].plugin_settings["hooktester"] == expected


@pytest.mark.parametrize("section,reason", [
    ({"limit": "many"}, "[hooktester] limit: Not a valid integer."),
    ({"colour": "red"}, "[hooktester] colour: Unknown field."),
    ({"api_key": "plain-secret"}, "[hooktester] api_key: secrets must be references"),
    ({"api_key": {"env": "ESCHOOL_TEST_NOT_SET"}}, "environment variable ESCHOOL_TEST_NOT_SET is not set"),
])
def test_bad_plugin_section_stops_start_up_with_file_section_key_and_reason(tmp_path, section, reason):
    with pytest.raises(ConfigError) as err:
        create_app(_config(tmp_path, ["hooktester"], hooktester=section), plugins={"hooktester": hookplugin})
    assert reason in str(err.value)
    assert "plain-secret" not in str(err.value)


def test_secret_reference_is_resolved_from_the_environment_and_hidden_in_repr(tmp_path, monkeypatch):
    monkeypatch.setenv("ESCHOOL_TEST_KEY", "s3cr3t-value")
    app = create_app(_config(tmp_path, ["hooktester"], hooktester={"api_key": {"env": "ESCHOOL_TEST_KEY"}}),
                     plugins={"hooktester": hookplugin})
    secret = app.extensions["eschool"].plugin_settings["hooktester"]["api_key"]
    assert str(secret) == "s3cr3t-value" and "s3cr3t" not in repr(secret)


def test_section_of_a_disabled_plugin_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="section \\[gradebook\\] belongs to no enabled plugin"):
        create_app(_config(tmp_path, ["registries"], gradebook={}))


def test_database_url_from_the_environment_wins_over_the_file(tmp_path, monkeypatch):
    target = tmp_path / "from-env.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{target}")
    app = create_app(_config(tmp_path, []))
    with app.app_context():
        app.extensions["eschool"].upgrade_db()
    assert target.exists() and not (tmp_path / "x.sqlite3").exists()


@pytest.mark.parametrize("key,error", [
    (None, "production mode needs SECRET_KEY"),
    ("short", "too weak"),
    ("a" * 64, "too weak"),
])
def test_production_refuses_a_missing_or_weak_secret_key(tmp_path, monkeypatch, key, error):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    if key:
        monkeypatch.setenv("SECRET_KEY", key)
    config = _config(tmp_path, [])
    config["eschool"]["production"] = True
    with pytest.raises(ConfigError, match=error):
        create_app(config)


def test_production_sets_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "Zx8-kq2LmP0vB7nR4tY1uW6eA9sD3fG5hJ")
    config = _config(tmp_path, [])
    config["eschool"]["production"] = True
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.covers_hook("migrations")
@pytest.mark.covers_hook("models")
def test_migrations_apply_once_per_plugin_in_dependency_order(make_app):
    app = make_app(["hooktester"], extra={"hooktester": hookplugin}, migrate=False)
    platform = app.extensions["eschool"]
    with app.app_context():
        first = platform.upgrade_db()
        second = platform.upgrade_db()
    assert first[0] == "core:m0001_initial" and "hooktester:m0001_notes" in first
    assert second == []
    from core.plugins import per_plugin

    assert per_plugin(platform.pm, "models")["hooktester"] == [hookplugin.Note]
