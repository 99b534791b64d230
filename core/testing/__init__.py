"""The test kit a plugin package tests itself with: the platform's own app, database, actors and logins.

Installed with eschool as a pytest plugin (the ``pytest11`` entry point ``eschool``), so in any package next
to eschool the fixtures of ``core.testing.plugin`` just work — ``make_app``, ``app``, ``client``, ``runner``,
``make_user``, ``actors``, ``login``, ``login_as`` — and ``core.testing.conformance`` holds the checks every
login provider must pass. See ``docs/writing-a-plugin.md`` §7.
"""

from core.testing.harness import (
    PRODUCTION_ENVIRONMENT,
    ROLES,
    AppFactory,
    builtin_plugins,
    log_in_through_pipeline,
    open_test_session,
    refuse_foreign_database,
)

__all__ = [
    "PRODUCTION_ENVIRONMENT",
    "ROLES",
    "AppFactory",
    "builtin_plugins",
    "log_in_through_pipeline",
    "open_test_session",
    "refuse_foreign_database",
]
