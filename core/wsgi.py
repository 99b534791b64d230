"""WSGI entry point for production servers: ``gunicorn core.wsgi:app``.

The region file comes from ``ESCHOOL_CONFIG``; the database and secret key from
``DATABASE_URL`` and ``SECRET_KEY``.
"""

from core import create_app

app = create_app()
