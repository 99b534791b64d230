"""Turn the validated ``[auth_esia]`` section into a ready client configuration, once per app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app

from core.api import service, settings
from plugins.auth_esia import gost
from plugins.auth_esia.keys import demo_client_keys, emulator_certificate_paths, plugin_dir
from plugins.auth_esia.protocol import EsiaConfig, EsiaUnavailable
from plugins.auth_esia.schemas import ISSUERS, KID_SCOPES, STANDS
from plugins.auth_esia.signers import SignerError, SignerOptions

EXTENSION = "auth_esia"


class ConfigurationProblem(RuntimeError):
    """The plugin cannot talk to ESIA as configured (a key, a certificate, a signer)."""


def base_url(cfg: dict[str, Any]) -> str:
    return (cfg["base_url"] or STANDS[cfg["stand"]]).rstrip("/")


def issuer(cfg: dict[str, Any]) -> str:
    if cfg["issuer"]:
        return cfg["issuer"]
    return ISSUERS.get(cfg["stand"], base_url(cfg) + "/")


def emulator_dir(app=None) -> Path:
    return plugin_dir((app or current_app).instance_path) / "emulator"


def client_certificate(cfg: dict[str, Any], app=None) -> tuple[gost.Certificate, str | None, str | None]:
    """The system's certificate, its path and the private key PEM (demo pair for the emulator)."""
    app = app or current_app
    if cfg["certificate"]:
        path = cfg["certificate"]
        try:
            cert = gost.load_certificate(Path(path).read_bytes())
        except (OSError, gost.GostError) as exc:
            raise ConfigurationProblem(f"[auth_esia] certificate {path}: {exc}") from None
        key = str(cfg["private_key"]) if cfg["private_key"] is not None else None
        return cert, path, key
    if cfg["stand"] != "emulator":
        raise ConfigurationProblem("[auth_esia] certificate is required outside the emulator")
    demo = demo_client_keys(app.instance_path, cfg["client_id"])
    return demo.certificate, str(demo.path), demo.key_pem


def build_config() -> EsiaConfig:
    cfg = settings("auth_esia")
    certificate, cert_path, key_pem = client_certificate(cfg)
    try:
        signer = service("esia_signers").make(
            cfg["signer"], SignerOptions(key_pem, certificate, cert_path, dict(cfg["signer_options"]))
        )
    except (SignerError, gost.GostError) as exc:
        raise ConfigurationProblem(str(exc)) from None
    paths = cfg["esia_certificates"]
    if not paths and cfg["stand"] == "emulator":
        paths = [p for p in emulator_certificate_paths(emulator_dir()) if Path(p).exists()]
        if not paths:
            raise EsiaUnavailable("the ESIA emulator has not made its certificates yet (is it started?)")
    esia_certs = []
    for path in paths:
        try:
            esia_certs.append(gost.load_certificate(Path(path).read_bytes()))
        except (OSError, gost.GostError) as exc:
            raise ConfigurationProblem(f"ESIA certificate {path}: {exc}") from None
    scopes = cfg["scopes"]
    if cfg["fetch_kids"]:
        scopes = " ".join(dict.fromkeys(scopes.split() + KID_SCOPES.split()))
    verify: bool | str = cfg["ca_bundle"] or cfg["verify_tls"]
    return EsiaConfig(
        base_url=base_url(cfg), issuer=issuer(cfg), protocol=cfg["protocol"], client_id=cfg["client_id"],
        scopes=scopes, certificate=certificate, signer=signer, esia_certificates=esia_certs,
        jwt_algorithms=list(cfg["jwt_algorithms"]), timeout=cfg["timeout_seconds"], verify=verify,
        leeway=cfg["clock_leeway_seconds"],
        access_type="offline" if cfg["long_sessions"] else cfg["access_type"], fetch_kids=cfg["fetch_kids"],
    )


def esia_config() -> EsiaConfig:
    """The client configuration of this app, built at first use and kept.

    The emulator's certificates appear only when it first starts; until then
    ``EsiaUnavailable`` is raised and nothing is kept.
    """
    state = current_app.extensions.setdefault(EXTENSION, {})
    if "config" not in state:
        state["config"] = build_config()
    return state["config"]
