"""The region's words: gettext over the region's one catalogue, found once per app.

A region speaks one language (``language`` in its config), so the catalogue Flask-Babel would look up on
every call — the request's locale, its domain, its cache, through half a dozen context lookups — is the
same one for the whole life of the app. It is found on first use and kept in ``app.extensions``; after
that a ``_()`` is one dictionary lookup and the catalogue's own. The functions behave as Flask-Babel's
(``%(name)s`` variables, ``%(num)d`` in ``ngettext``, the untranslated text outside an app), and the
template callables use the same catalogue, so Python and templates cannot disagree about a word.

Plugins use these through ``core.api`` (``_``, ``ngettext``, ``lazy_gettext``).
"""

from __future__ import annotations

from typing import Any

from babel import support
from flask import Flask, current_app, has_app_context
from flask_babel import get_translations
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from markupsafe import Markup

_KEY = "eschool_catalogue"


def catalogue() -> support.NullTranslations:
    """The region's catalogue (Flask-Babel's, merged over every plugin's folder); no translation outside an app."""
    if not has_app_context():
        return support.NullTranslations()
    extensions = current_app.extensions
    found = extensions.get(_KEY)
    if found is None:
        found = extensions[_KEY] = get_translations()
    return found


def gettext(string: str, **variables: Any) -> str:
    """``string`` in the region's language, with ``%(name)s`` filled from ``variables``."""
    text = catalogue().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The plural form for ``num`` in the region's language; ``%(num)d`` and ``variables`` filled in."""
    variables.setdefault("num", num)
    return catalogue().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """A text translated when it is shown (a module-level label, made before any app exists)."""
    return LazyString(gettext, string, **variables)


def install_template_gettext(app: Flask) -> None:
    """Templates translate through the same catalogue; a ``_()`` without variables is made once per app.

    A page of a hundred ``_()`` calls no longer asks for the locale a hundred times, and a fixed text
    (a column header, a button) is the same on every page, so it is translated and escaped once and kept.
    """

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )
    translate = app.jinja_env.globals["gettext"]  # Jinja's newstyle gettext over the catalogue
    patterns: dict[str, Markup] = {}
    fixed: dict[str, Markup] = {}

    @pass_context
    def template_gettext(context, string, **variables):
        """Jinja's newstyle ``_()``: the translation as ``Markup``, the variables escaped into it with ``%``.

        In an autoescaped template the translated pattern is kept, so a ``_()`` in a loop is a lookup and
        a ``%``; a text without variables is kept already filled."""
        if not context.eval_ctx.autoescape:
            return translate(context, string, **variables)
        if not variables:
            found = fixed.get(string)
            if found is None:
                found = fixed[string] = translate(context, string)
            return found
        pattern = patterns.get(string)
        if pattern is None:
            pattern = patterns[string] = Markup(catalogue().ugettext(string))
        return pattern % variables

    app.jinja_env.globals.update(gettext=template_gettext, _=template_gettext)
