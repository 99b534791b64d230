"""`template_dirs` folders are searched in the region's plugin order, before the core's and plugins' own."""

import types

import pytest

from core.api import hookimpl


def overriding(name: str, folder) -> types.ModuleType:
    (folder / "core").mkdir(parents=True)
    (folder / "core" / "index.html").write_text(f"index from {name}", encoding="utf-8")
    plugin = types.ModuleType(name)
    plugin.template_dirs = hookimpl(lambda: [str(folder)])
    return plugin


@pytest.mark.covers_hook("template_dirs")
@pytest.mark.parametrize("order", [["first", "second"], ["second", "first"]])
def test_the_plugin_listed_first_wins_whatever_the_registration_order(make_app, tmp_path, order):
    plugins = {name: overriding(name, tmp_path / name) for name in ("first", "second")}
    app = make_app(order, extra=plugins)
    assert app.test_client().get("/").get_data(as_text=True) == f"index from {order[0]}"


def test_without_an_override_the_cores_template_is_used(make_app):
    assert "Электронная школа" in make_app([]).test_client().get("/").get_data(as_text=True)
