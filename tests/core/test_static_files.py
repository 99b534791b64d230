"""One static-URL scheme: a plugin's `static/` folder is served at /static/<plugin>/, the core's at /static/."""

import re
from pathlib import Path

import pytest

from core.plugins import installed_plugins

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"""url_for\(['"](\w+)\.static['"],\s*filename=['"]([^'"]+)['"]\)""")


def linked_assets():
    for template in sorted((ROOT / "plugins").glob("*/templates/**/*.html")):
        plugin = template.relative_to(ROOT / "plugins").parts[0]
        for endpoint, filename in LINK.findall(template.read_text(encoding="utf-8")):
            yield template, plugin, endpoint, filename


@pytest.fixture
def eschool_plugins():
    return sorted(installed_plugins())  # every plugin that ships files


def test_every_plugin_asset_a_template_links_is_served_under_static_plugin(app):
    client = app.test_client()
    assets = list(linked_assets())
    assert {plugin for _, plugin, _, _ in assets} >= {"registries", "auth_local", "gradebook", "infographic",
                                                      "absence_notes", "notifications"}
    for template, plugin, endpoint, filename in assets:
        assert endpoint == plugin, f"{template}: link {plugin}'s own files as {plugin}.static"
        assert (ROOT / "plugins" / plugin / "static" / filename).is_file(), f"{template}: no static/{filename}"
        with app.test_request_context():
            from flask import url_for

            assert url_for(f"{plugin}.static", filename=filename) == f"/static/{plugin}/{filename}"
        response = client.get(f"/static/{plugin}/{filename}")
        assert response.status_code == 200, (template, filename)
        assert response.data == (ROOT / "plugins" / plugin / "static" / filename).read_bytes()


def test_the_cores_files_stay_at_static_and_a_missing_file_is_404(app):
    client = app.test_client()
    assert client.get("/static/eschool.css").status_code == 200
    assert client.get("/static/gradebook/no-such-file.css").status_code == 404
    assert client.get("/static/gradebook/../plugin.py").status_code == 404


def test_no_plugin_blueprint_brings_its_own_static_route():
    sources = [p for p in (ROOT / "plugins").rglob("*.py") if "emulator" not in p.parts]
    assert [str(p) for p in sources if "static_folder=" in p.read_text(encoding="utf-8")] == []
