"""Every route of every plugin is either marked public or guarded."""

from core.auth import access_of


def test_every_route_is_public_or_guarded(make_app):
    app = make_app(
        ["registries", "auth_local", "auth_esia", "age_policy", "gradebook", "infographic", "absence_notes",
         "portal", "notifications", "auth_demo"],
        migrate=False,
    )
    unmarked = sorted(rule.endpoint for rule in app.url_map.iter_rules() if access_of(app, rule.endpoint) is None)
    assert unmarked == [], f"routes with neither @public nor a guard: {unmarked}"
    assert len(list(app.url_map.iter_rules())) > 5
