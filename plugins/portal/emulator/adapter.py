"""An offline «Адаптер СМЭВ»: the Adapter's SOAP 1.1 interface (Send, Get, Find) over real HTTP.

A small Flask app of its own (not the eschool app). ``POST /`` (and
``/transport_1_0_1/``) takes a SOAP envelope, checks its body against the
Adapter's types schema — and a payload in the registered вид сведений
namespace against the payload schema — and answers a ``ValidationFault`` when
either fails. Queues live in an SQLite file (``store.Store``), so a restart
loses nothing. ``record_dir`` keeps every envelope received, one file each.

Test controls (the emulator object, or ``POST /__emulator__/trouble``): the
next N calls answer a ``SystemFault``, or hang until released (so a client's
timeout fires), or the service answers HTTP 503 as a proxy in front of a down
Adapter would.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, jsonify, request
from lxml import etree

from plugins.portal import payload as p
from plugins.portal import soap
from plugins.portal.emulator.store import Store, Stored

log = logging.getLogger("eschool.portal.emulator")

STATUS_SENT = ("0", "Сообщение отправлено в СМЭВ")


@dataclass
class Trouble:
    kind: str = ""  # "", "SystemFault", "hang", "http503"
    count: int = 0
    release: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)  # a hung call has had its effect


class AdapterEmulator:
    """The emulated Adapter with the two systems it connects: eschool's and the portal's."""

    def __init__(self, store: Store, eschool_system: str, portal_system: str, spec: p.Spec,
                 record_dir: str | Path | None = None):
        self.store = store
        self.eschool_system = eschool_system
        self.portal_system = portal_system
        self.spec = spec
        self.record_dir = Path(record_dir) if record_dir else None
        if self.record_dir:
            self.record_dir.mkdir(parents=True, exist_ok=True)
        self.trouble = Trouble()
        self.calls = 0
        self._seq = itertools.count(1 + len(list(self.record_dir.glob("*.xml"))) if self.record_dir else 1)
        self._lock = threading.Lock()

    # --- test controls -------------------------------------------------------------

    def make_trouble(self, kind: str, count: int = 1) -> threading.Event:
        """The next ``count`` calls answer ``kind``; for ``hang``, set the returned event to let them finish."""
        self.trouble = Trouble(kind, count)
        return self.trouble.release

    def _take_trouble(self) -> Trouble | None:
        with self._lock:
            if self.trouble.count > 0:
                self.trouble.count -= 1
                return self.trouble
        return None

    # --- the portal's side -----------------------------------------------------------

    def submit(self, application: p.Application, test: bool = False) -> Stored:
        """What the portal does when an applicant files: a request into eschool's queue."""
        payload = p.build_request(application, self.spec)
        client_id = soap.new_client_id()
        body = soap.request_message(self.portal_system, client_id, payload, test=test)
        return self._store_request(body, self.portal_system)

    # --- SOAP ----------------------------------------------------------------------

    def handle(self, data: bytes) -> tuple[bytes, int]:
        self.calls += 1
        self._record(data)
        trouble = self._take_trouble()
        if trouble is not None:
            if trouble.kind == "hang":  # answers late, as it would: the call still has its effect (a Get takes)
                trouble.release.wait(60)
                try:
                    return self._answer(data)
                finally:
                    trouble.finished.set()
            elif trouble.kind == "http503":
                return b"<html><body>503 Service Unavailable</body></html>", 503
            elif trouble.kind == "SystemFault":
                return soap.fault_envelope("SystemFault", "SMEV-ADAPTER-500", "Адаптер временно недоступен",
                                           server=True), 500
        return self._answer(data)

    def _answer(self, data: bytes) -> tuple[bytes, int]:
        try:
            body = soap.parse_envelope(data)
            soap.check(body)
            self._check_payload(body)
        except (ValueError, p.PayloadError) as exc:
            return soap.fault_envelope("ValidationFault", "VALIDATION", str(exc)[:2000]), 500
        name = etree.QName(body).localname
        answer = {"ClientMessage": self.send, "MessageQuery": self.get, "FindMessageQuery": self.find}[name](body)
        return soap.envelope(answer), 200

    def _record(self, data: bytes) -> None:
        if self.record_dir is None:
            return
        try:
            name = etree.QName(soap.parse_envelope(data)).localname
        except ValueError:
            name = "malformed"
        with self._lock:
            (self.record_dir / f"{next(self._seq):05d}-{name}.xml").write_bytes(data)

    def _check_payload(self, body: etree._Element) -> None:
        for primary in body.iter(soap.a("MessagePrimaryContent")):
            for element in primary:
                if etree.QName(element).namespace == self.spec.namespace:
                    self.spec.validate(element)

    def send(self, body: etree._Element) -> etree._Element:
        it_system = body.findtext(soap.a("itSystem"))
        response = body.find(soap.a("ResponseMessage"))
        if response is not None:
            stored = self._store_response(response, it_system)
        elif body.find(soap.a("RequestMessage")) is not None:
            stored = self._store_request(body, it_system)
        else:  # QueryMessage: accepted and not modelled further (adapter-client never uses it)
            stored = None
        return soap.message_result(it_system, stored.message_id if stored else soap.new_message_id())

    def _as_message(self, element: etree._Element, xsi_type: str, message_type: str) -> str:
        message = etree.Element(soap.a("Message"), nsmap={"a": soap.A_NS, "xsi": soap.XSI_NS})
        message.set(f"{{{soap.XSI_NS}}}type", f"a:{xsi_type}")
        etree.SubElement(message, soap.a("messageType")).text = message_type
        for child in element:
            if child.tag != soap.a("messageType"):
                message.append(child)
        return etree.tostring(message).decode("utf-8")

    def _store_request(self, body: etree._Element, sender: str) -> Stored:
        request_el = body.find(soap.a("RequestMessage"))
        client_id = request_el.findtext(f"{soap.a('RequestMetadata')}/{soap.a('clientId')}")
        known = self.store.by_client_id(client_id)
        if known is not None:
            return known
        queue = self.eschool_system if sender != self.eschool_system else self.portal_system
        message_id = soap.new_message_id()
        return self.store.add(queue=queue, kind="REQUEST", sender=sender, client_id=client_id,
                              message_type="PrimaryMessage", message_id=message_id, reference_message_id=message_id,
                              xml=self._as_message(request_el, "RequestMessageType", "PrimaryMessage"))

    def _store_response(self, response: etree._Element, sender: str) -> Stored:
        meta = response.find(soap.a("ResponseMetadata"))
        client_id = meta.findtext(soap.a("clientId"))
        known = self.store.by_client_id(client_id)
        if known is not None:  # the same message again (a retry after a lost answer): delivered once
            return known
        reply_to = meta.findtext(soap.a("replyToClientId"))
        original = self.store.by_client_id(reply_to)
        is_status = response.find(f"{soap.a('ResponseContent')}/{soap.a('status')}") is not None
        message_type = "StatusMessage" if is_status else "PrimaryMessage"
        stored = self.store.add(
            queue=original.sender if original else self.portal_system, kind="RESPONSE", sender=sender,
            client_id=client_id, reply_to_client_id=reply_to, message_id=soap.new_message_id(),
            original_message_id=original.message_id if original else None,
            reference_message_id=original.reference_message_id if original else None,
            message_type=message_type, xml=self._as_message(response, "ResponseMessageType", message_type))
        # SMEV's own delivery status for the sender, as a real Adapter queues it
        status = soap.response_message(sender, soap.new_client_id(), client_id,
                                       status=(*STATUS_SENT, {}))
        status_el = status.find(soap.a("ResponseMessage"))
        self.store.add(queue=sender, kind="RESPONSE", sender="SMEV", client_id=soap.new_client_id(),
                       reply_to_client_id=client_id, original_message_id=stored.message_id,
                       reference_message_id=stored.reference_message_id, message_type="StatusMessage",
                       xml=self._as_message(status_el, "ResponseMessageType", "StatusMessage"))
        return stored

    def query_result(self, stored: Stored, recipient: str | None = None) -> etree._Element:
        """A ``QueryResult`` for a stored message; ``Recipient`` is the queue it went to (the caller of Get)."""
        result = etree.Element(soap.a("QueryResult"), nsmap={"a": soap.A_NS})
        meta = etree.SubElement(result, soap.a("smevMetadata"))
        for tag, value in (("MessageId", stored.message_id if stored.message_type == "PrimaryMessage" else None),
                           ("ReferenceMessageID", stored.reference_message_id),
                           ("OriginalMessageID", stored.original_message_id),
                           ("Sender", stored.sender), ("Recipient", recipient or stored.queue),
                           ("SendingDate", stored.created_at)):
            if value:
                etree.SubElement(meta, soap.a(tag)).text = value
        result.append(etree.fromstring(stored.xml.encode("utf-8")))
        return result

    def get(self, body: etree._Element) -> etree._Element:
        it_system = body.findtext(soap.a("itSystem"))
        kind = body.findtext(f"{soap.a('specificQuery')}/{soap.a('messageTypeCriteria')}")
        stored = self.store.take(it_system, kind)
        if stored is None:
            return etree.Element(soap.a("QueryResult"), nsmap={"a": soap.A_NS})  # the empty answer
        return self.query_result(stored, it_system)

    def find(self, body: etree._Element) -> etree._Element:
        """Find: messages the caller's system sent or received, delivered or still queued (Find takes
        nothing from a queue). By clientId — ``GET_REQUEST_BY_REQUEST_CLIENTID``: that request;
        ``GET_RESPONSE_BY_REQUEST_CLIENTID``: every answer and status to it; ``GET_RESPONSE_BY_RESPONSE_CLIENTID``:
        that response — or by period: every message that entered SMEV (``SendingDate``) in [from, to]."""
        it_system = body.findtext(soap.a("itSystem"))
        criteria = body.find(soap.a("specificQuery"))[0]
        if etree.QName(criteria).localname == "messageClientIdCriteria":
            client_id = criteria.findtext(soap.a("clientId"))
            how = criteria.findtext(soap.a("clientIdCriteria"))
            if how == "GET_RESPONSE_BY_REQUEST_CLIENTID":
                found = self.store.replies_to(client_id)
            else:
                one = self.store.by_client_id(client_id)
                kind = "REQUEST" if how == "GET_REQUEST_BY_REQUEST_CLIENTID" else "RESPONSE"
                found = [one] if one is not None and one.kind == kind else []
        else:
            found = self.store.between(_moment(criteria.findtext(soap.a("from"))),
                                       _moment(criteria.findtext(soap.a("to"))))
        answer = etree.Element(soap.a("QueryResultList"), nsmap={"a": soap.A_NS})
        for stored in found:
            if it_system in (stored.queue, stored.sender):  # only the caller's own traffic
                answer.append(self.query_result(stored))
        return answer


def _moment(value: str | None) -> str | None:
    """An ``xs:dateTime`` (any offset, or none = UTC) in the store's form: UTC ISO seconds, for comparing."""
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    moment = moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return moment.replace(microsecond=0).isoformat()


def soap_blueprint_routes(app: Flask, emulator: AdapterEmulator) -> None:
    def endpoint():
        body, status = emulator.handle(request.get_data())
        return Response(body, status=status, content_type="text/xml; charset=utf-8")

    app.add_url_rule("/", "soap", endpoint, methods=["POST"])
    app.add_url_rule("/transport_1_0_1/", "soap_transport", endpoint, methods=["POST"])

    @app.post("/__emulator__/trouble")
    def trouble():
        emulator.make_trouble(request.form.get("kind", ""), int(request.form.get("count", "1")))
        return jsonify({"kind": emulator.trouble.kind, "count": emulator.trouble.count})

    @app.get("/__emulator__/messages")
    def messages():
        return jsonify([{"id": m.id, "queue": m.queue, "kind": m.kind, "sender": m.sender, "client_id": m.client_id,
                         "reply_to_client_id": m.reply_to_client_id, "message_type": m.message_type,
                         "delivered": m.delivered_at is not None} for m in emulator.store.all()])
