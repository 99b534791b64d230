"""The web shell: headers, errors in Russian, CSRF, navigation, templates, bearer tokens."""

import pytest

from core.api import create_api_token, revoke_api_token
from tests.core import hookplugin


@pytest.fixture
def app(hook_app):
    return hook_app()


def test_security_headers_on_every_page(client):
    headers = client.get("/login").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "cdn" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_with_personal_data_are_not_cached(client, make_user, login):
    login(client, make_user("parent"))
    assert client.get("/hooktester/notes").headers["Cache-Control"] == "no-store"
    assert client.get("/static/eschool.css").headers.get("Cache-Control") != "no-store"


def test_error_pages_are_in_russian(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "Страница не найдена" in page.get_data(as_text=True)


def test_a_form_post_without_csrf_token_is_refused(app, make_user):
    make_user("parent", "Подделка")
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/hooktester/login", data={"name": "Подделка"})
    assert response.status_code == 400
    assert client.get("/hooktester/notes").status_code == 302


def test_a_form_post_with_the_page_csrf_token_is_accepted(app, make_user):
    import re

    make_user("parent", "Честный")
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/hooktester/login", data={"name": "Честный", "csrf_token": token}).status_code == 302


@pytest.mark.covers_hook("nav_items")
def test_navigation_comes_from_plugins_for_the_actor(client, make_user, login):
    assert "Заметки" not in client.get("/").get_data(as_text=True)
    login(client, make_user("parent"))
    assert 'href="/hooktester/notes"' in client.get("/").get_data(as_text=True)


@pytest.mark.covers_hook("template_dirs")
@pytest.mark.covers_hook("blueprints")
def test_plugin_templates_and_blueprints_are_wired(client):
    assert 'id="ht-name"' in client.get("/login").get_data(as_text=True)
    assert client.post("/hooktester/login", data={"name": "x"}).status_code == 403


def test_unmarked_view_is_refused_to_everyone(client, make_user, login):
    assert client.get("/hooktester/unmarked").status_code == 403
    login(client, make_user("operator"))
    assert client.get("/hooktester/unmarked").status_code == 403


def test_api_paths_answer_json_401_without_auth(client):
    response = client.get("/api/v1/anything")
    assert response.status_code in (401, 404)


def test_bearer_token_authenticates_api_calls_until_revoked(app, make_user):
    from flask import Blueprint

    from core.api import current_actor, login_required

    user = make_user("parent", "Мобильный")
    with app.test_request_context():
        row, token = create_api_token(user, "телефон")
    assert token.startswith("esk_")
    with app.app_context():
        from core.models import ApiToken

        assert ApiToken.get_by_id(row.id).token_hash != token

    api = Blueprint("probe", __name__)

    @api.route("/api/probe", methods=["GET", "POST"])
    @login_required
    def probe():
        return {"user": current_actor().id}

    app.register_blueprint(api)
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/probe", headers=auth).get_json() == {"user": user.id}
    assert client.post("/api/probe", headers=auth).status_code == 200  # no CSRF for bearer calls
    assert client.get("/api/probe").status_code == 401
    assert client.get("/api/probe", headers={"Authorization": "Bearer esk_wrong"}).status_code == 401
    with app.test_request_context():
        assert revoke_api_token(row.id, user)
    assert client.get("/api/probe", headers=auth).status_code == 401


@pytest.mark.covers_hook("cli_commands")
def test_plugin_cli_commands_join_the_eschool_command(app):
    result = app.test_cli_runner().invoke(args=["hooktester-hello"])
    assert result.exit_code == 0 and "Привет from" in result.output


@pytest.mark.covers_hook("actor_relations")
def test_relations_are_collected_from_plugins(app, make_user, login):
    from core.api import relations
    from core.auth import load_actor

    user = make_user("parent")
    with app.app_context():
        note = hookplugin.Note.create(owner=user.id, text="x")
    client = app.test_client()
    token = login(client, user)
    with app.test_request_context():
        actor = load_actor(token)
        found = relations(actor)
    assert [(r.kind, r.object_type, r.object_id) for r in found] == [("owner", "note", note.id)]


def test_a_view_with_its_own_frame_ancestors_is_not_denied_by_x_frame_options(app):
    from flask import Blueprint

    from core.api import public

    bp = Blueprint("embeddable", __name__)

    @bp.route("/embed-me")
    @public
    def embed_me():
        return "ok", 200, {"Content-Security-Policy": "default-src 'self'; frame-ancestors *"}

    app.register_blueprint(bp)
    client = app.test_client()
    assert "X-Frame-Options" not in client.get("/embed-me").headers
    assert client.get("/login").headers["X-Frame-Options"] == "DENY"
