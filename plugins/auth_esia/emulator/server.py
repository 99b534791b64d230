"""The emulator for a region: built from its ``[auth_esia]`` section."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

from plugins.auth_esia import tokens
from plugins.auth_esia.emulator.app import Emulator, RegisteredClient
from plugins.auth_esia.emulator.persons import DEMO_PERSONS, load_persons
from plugins.auth_esia.keys import EmulatorKeys
from plugins.auth_esia.runtime import base_url, client_certificate, emulator_dir, issuer
from plugins.auth_esia.schemas import KID_SCOPES

DEFAULT_REDIRECTS = ["http://127.0.0.1:5000/", "http://localhost:5000/"]


def emulator_for_region(app: Flask, persons: str | None = None, jwt_alg: str = tokens.RS256,
                        redirect_uris: list[str] | None = None, approved_scopes: str | None = None) -> Emulator:
    """An emulator that knows this region's system: its client id, certificate, redirect URI and scopes.

    The system is approved for what the region asks (``scopes``, plus the kid
    scopes with ``fetch_kids``) unless ``approved_scopes`` names the list, as the
    real registration on ESIA's tech portal would.
    """
    cfg = app.extensions["eschool"].plugin_settings["auth_esia"]
    certificate, _, _ = client_certificate(cfg, app)
    redirects = list(redirect_uris or DEFAULT_REDIRECTS)
    if cfg["redirect_uri"]:
        parts = urlsplit(cfg["redirect_uri"])
        redirects.append(f"{parts.scheme}://{parts.netloc}/")
    asked = cfg["scopes"].split() + (KID_SCOPES.split() if cfg["fetch_kids"] else [])
    approved = set(approved_scopes.split()) if approved_scopes else set(asked)
    client = RegisteredClient(cfg["client_id"], certificate, redirects, jwt_alg, scopes=approved)
    return Emulator(
        persons=load_persons(persons or cfg["emulator_persons"] or DEMO_PERSONS),
        clients={client.client_id: client},
        keys=EmulatorKeys.load_or_create(emulator_dir(app)),
        issuer=issuer(cfg),
    )


def emulator_address(app: Flask) -> tuple[str, int]:
    parts = urlsplit(base_url(app.extensions["eschool"].plugin_settings["auth_esia"]))
    return parts.hostname or "127.0.0.1", parts.port or 80
