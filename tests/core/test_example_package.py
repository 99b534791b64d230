"""The separate example package adds a login method through its entry point, core untouched."""

from importlib import metadata

from core.api import LoginIdentity


def test_example_package_is_installed_through_the_entry_point_group():
    eps = {ep.name: ep for ep in metadata.entry_points(group="eschool.plugins")}
    assert eps["auth_demo"].value == "eschool_auth_demo.plugin"
    assert eps["auth_demo"].dist.name == "eschool-auth-demo"


def test_example_login_method_appears_and_works(make_app, make_user):
    app = make_app(["auth_demo"], sections={"auth_demo": {"codes": {"7391-2284": "pupil-17"}}})
    assert "Вход по коду из школы" in app.test_client().get("/login").get_data(as_text=True)
    user = make_user("student", "Ученик Семнадцатый")
    with app.app_context():
        LoginIdentity.create(user=user.id, provider="auth_demo", subject="pupil-17")
    client = app.test_client()
    assert client.post("/auth-demo/login", data={"code": "0000"}).status_code == 403
    assert client.post("/auth-demo/login", data={"code": "7391-2284"}).status_code == 302
    assert "Ученик Семнадцатый" in client.get("/").get_data(as_text=True)


def test_without_the_plugin_in_the_region_its_method_is_absent(make_app):
    app = make_app([])
    assert "Вход по коду из школы" not in app.test_client().get("/login").get_data(as_text=True)
