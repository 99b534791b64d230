"""``@signed_link``: a public view posted without a form token (one-click links); every other POST still needs one."""

from __future__ import annotations

from flask import Blueprint

from core.api import hookimpl, public, signed_link

bp = Blueprint("signedtest", __name__)


@bp.route("/signed/<token>", methods=["POST"])
@public
@signed_link
def signed(token):
    return ("ok", 200) if token == "signed-by-us" else ("bad", 404)


@bp.route("/plain", methods=["POST"])
@public
def plain():
    return "ok"


class SignedPlugin:
    @hookimpl
    def blueprints(self):
        return [bp]


def test_a_signed_link_view_takes_a_post_without_a_csrf_token_and_a_plain_view_does_not(make_app):
    app = make_app(["signedtest"], extra={"signedtest": SignedPlugin()})
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    assert client.post("/signed/signed-by-us").status_code == 200
    assert client.post("/signed/forged").status_code == 404
    assert client.post("/plain").status_code == 400
