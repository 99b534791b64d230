"""The emulator's web app: the Adapter's SOAP endpoint and a page of the regional portal («РПГУ»).

The portal page: a tester picks one of the demo's Gosuslugi persons (as if
logged in on the portal), fills in the application for a child, and follows its
statuses and the result as eschool answers through the Adapter.
"""

from __future__ import annotations

import datetime as dt
import secrets
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, abort, redirect, render_template, request, session, url_for
from lxml import etree

from plugins.portal import payload as p
from plugins.portal import soap
from plugins.portal.emulator.adapter import AdapterEmulator, soap_blueprint_routes

MOSCOW = ZoneInfo("Europe/Moscow")


def portal_today() -> dt.date:
    """The portal's date: it stands for a Russian regional portal, so Moscow time, whatever the server's zone."""
    return dt.datetime.now(MOSCOW).date()


def load_persons(path: str | Path | None) -> list[dict[str, Any]]:
    """The Gosuslugi persons of a persons file (the ESIA emulator's TOML format: ``[[person]]``)."""
    if not path or not Path(path).exists():
        return []
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return [dict(person, oid=str(person["oid"])) for person in data.get("person", []) if person.get("snils")]


def _filed(emulator: AdapterEmulator, oid: str) -> list[dict[str, Any]]:
    out = []
    for stored in emulator.store.requests_from(emulator.portal_system):
        item = soap.read_query_result(emulator.query_result(stored, emulator.eschool_system))
        application = p.read_request(item.payload, emulator.spec)
        if application.oid == oid:
            out.append({"client_id": stored.client_id, "application": application, "state": state_of(emulator, stored)})
    return out


def state_of(emulator: AdapterEmulator, stored) -> dict[str, Any]:
    """The statuses and the result of one application, from the answers eschool sent."""
    statuses = [{"code": "0", "text": "Заявление отправлено в ведомство", "at": stored.created_at}]
    result = None
    for reply in emulator.store.replies_to(stored.client_id):
        if reply.sender == "SMEV":
            continue
        item = soap.read_query_result(emulator.query_result(reply, emulator.portal_system))
        if item.status:
            statuses.append({"code": item.status[0], "text": item.status[1], "at": reply.created_at})
        elif item.rejects:
            result = {"refusal": p.RefusalAnswer("", item.rejects[0][0], item.rejects[0][1])}
            statuses.append({"code": "4", "text": "Отказ в предоставлении услуги", "at": reply.created_at})
        elif item.payload is not None:
            _, answer = p.read_response(item.payload, emulator.spec)
            if isinstance(answer, p.RefusalAnswer):
                result = {"refusal": answer}
                statuses.append({"code": "4", "text": "Отказ в предоставлении услуги", "at": reply.created_at})
            else:
                result = {"progress": answer}
                statuses.append({"code": "3", "text": "Услуга оказана", "at": reply.created_at})
    return {"statuses": statuses, "result": result,
            "final": result is not None}


def create_emulator_app(emulator: AdapterEmulator, persons: list[dict[str, Any]] | None = None) -> Flask:
    app = Flask(__name__, template_folder="templates")
    app.secret_key = secrets.token_hex(16)
    app.extensions["adapter_emulator"] = emulator
    people = {person["oid"]: person for person in persons or []}
    soap_blueprint_routes(app, emulator)

    def csrf() -> str:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(16)
        return session["csrf"]

    def check_csrf() -> None:
        if request.form.get("csrf") != session.get("csrf"):
            abort(400)

    app.jinja_env.globals["csrf"] = csrf
    app.jinja_env.filters["when"] = lambda text: dt.datetime.fromisoformat(text).strftime("%d.%m.%Y %H:%M UTC")

    def me() -> dict[str, Any] | None:
        return people.get(session.get("oid", ""))

    @app.get("/")
    def index():
        return redirect(url_for("portal"))

    @app.get("/portal/")
    def portal():
        person = me()
        filed = _filed(emulator, person["oid"]) if person else []
        return render_template("portal_emulator/index.html", person=person, persons=list(people.values()),
                               filed=filed, today=portal_today())

    @app.post("/portal/login")
    def login():
        check_csrf()
        if request.form.get("oid") not in people:
            abort(400)
        session["oid"] = request.form["oid"]
        return redirect(url_for("portal"))

    @app.post("/portal/logout")
    def logout():
        check_csrf()
        session.pop("oid", None)
        return redirect(url_for("portal"))

    @app.post("/portal/apply")
    def apply():
        check_csrf()
        person = me()
        if person is None:
            return redirect(url_for("portal"))
        form = request.form
        role = form.get("role", "parent")
        child = None
        birth = None
        if role != "student":
            child = p.Person(form.get("child_last_name", "").strip(), form.get("child_first_name", "").strip(),
                             form.get("child_middle_name", "").strip())
            try:
                birth = dt.date.fromisoformat(form.get("child_birth_date", ""))
            except ValueError:
                birth = None
        starts, ends = form.get("from", ""), form.get("to", "")
        application = p.Application(
            number=f"RPGU-{portal_today():%Y%m%d}-{secrets.randbelow(10**6):06d}",
            filed_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            applicant=p.Person(person["last_name"], person["first_name"], person.get("middle_name", "")),
            oid=person["oid"], snils=person["snils"], role=role, child=child, child_birth_date=birth,
            child_school=form.get("child_school", "").strip(), child_class=form.get("child_class", "").strip(),
            period_from=dt.date.fromisoformat(starts) if form.get("period") == "dates" and starts else None,
            period_to=dt.date.fromisoformat(ends) if form.get("period") == "dates" and ends else None)
        try:
            stored = emulator.submit(application)
        except (p.PayloadError, ValueError, TypeError) as exc:
            return render_template("portal_emulator/index.html", person=person, persons=list(people.values()),
                                   filed=_filed(emulator, person["oid"]), today=portal_today(),
                                   error=f"Заявление не отправлено: форма заполнена не полностью ({exc})."), 400
        return redirect(url_for("application", client_id=stored.client_id))

    @app.get("/portal/applications/<client_id>")
    def application(client_id: str):
        person = me()
        stored = emulator.store.by_client_id(client_id)
        if person is None or stored is None or stored.sender != emulator.portal_system:
            abort(404)
        item = soap.read_query_result(emulator.query_result(stored, emulator.eschool_system))
        filed = p.read_request(item.payload, emulator.spec)
        if filed.oid != person["oid"]:
            abort(404)
        return render_template("portal_emulator/application.html", person=person, filed=filed,
                               state=state_of(emulator, stored), client_id=client_id)

    @app.get("/portal/applications/<client_id>/request.xml")
    def request_xml(client_id: str):
        stored = emulator.store.by_client_id(client_id)
        if stored is None or me() is None:
            abort(404)
        return etree.tostring(etree.fromstring(stored.xml.encode()), pretty_print=True), 200, {
            "Content-Type": "application/xml; charset=utf-8"}

    return app
