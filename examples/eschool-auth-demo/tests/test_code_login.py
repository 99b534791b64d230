"""The example package's own behaviour, tested only with eschool's shipped fixtures (no conftest here)."""

from importlib import metadata

import pytest

from core.api import Identity, LoginIdentity

SECTIONS = {"auth_demo": {"codes": {"7391-2284": "pupil-17"}}}


def test_the_plugin_is_found_through_the_entry_point_group():
    eps = {ep.name: ep for ep in metadata.entry_points(group="eschool.plugins")}
    assert eps["auth_demo"].value == "eschool_auth_demo.plugin"
    assert eps["auth_demo"].dist.name == "eschool-auth-demo"


def test_the_code_logs_the_linked_student_in(make_app, make_user):
    app = make_app(["auth_demo"], sections=SECTIONS)
    user = make_user("student", "Ученик Семнадцатый")
    with app.app_context():
        LoginIdentity.create(user=user.id, provider="auth_demo", subject="pupil-17")
    client = app.test_client()

    assert client.post("/auth-demo/login", data={"code": "7391-2284", "next": "/auth-demo/about"}).headers[
        "Location"] == "/auth-demo/about"
    assert "Ученик Семнадцатый" in client.get("/").get_data(as_text=True)


def test_a_next_address_off_the_site_is_ignored(make_app, make_user):
    app = make_app(["auth_demo"], sections=SECTIONS)
    user = make_user("student")
    with app.app_context():
        LoginIdentity.create(user=user.id, provider="auth_demo", subject="pupil-17")
    response = app.test_client().post("/auth-demo/login", data={"code": "7391-2284", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


@pytest.mark.plugins("auth_demo")
def test_the_about_page_is_for_logged_in_people_only(client):
    response = client.get("/auth-demo/about")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_whoever_came_with_a_code_gets_the_page_in_the_navigation(make_app, make_user, login_as):
    app = make_app(["auth_demo"], sections=SECTIONS)
    user = make_user("student", "Ученик Семнадцатый")
    with app.app_context():
        LoginIdentity.create(user=user.id, provider="auth_demo", subject="pupil-17")
    client = app.test_client()

    assert login_as(client, Identity(provider="auth_demo", subject="pupil-17")).id == user.id

    home = client.get("/").get_data(as_text=True)
    assert 'href="/auth-demo/about"' in home and "Вход по коду" in home
    page = client.get("/auth-demo/about").get_data(as_text=True)
    assert "Вы вошли по коду, который выдала школа" in page


@pytest.mark.plugins("auth_demo")
def test_people_of_every_role_who_came_another_way_have_no_tile_and_are_told_so(app, actors, login):
    for role, user in actors.items():
        client = app.test_client()
        login(client, user, provider="auth_local")
        assert f"Тест {role}" in client.get("/").get_data(as_text=True)
        assert 'href="/auth-demo/about"' not in client.get("/").get_data(as_text=True)
        assert "Вы вошли другим способом" in client.get("/auth-demo/about").get_data(as_text=True)


def test_without_the_plugin_in_the_region_its_method_and_page_are_absent(make_app):
    client = make_app([]).test_client()
    assert "Вход по коду из школы" not in client.get("/login").get_data(as_text=True)
    assert client.get("/auth-demo/about").status_code == 404
