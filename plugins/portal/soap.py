"""SOAP 1.1 and the Adapter's messages, built and read with lxml; shared by the client and the emulator.

The Adapter's types schema (``xsd/adapter-types.xsd``) checks every body the
client sends and the emulator receives. Identifiers the Adapter reads as UUIDs
are lower-case (its schema's pattern); clientIds are ``uuid4`` strings.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
A_NS = "urn://x-artefacts-smev-gov-ru/services/service-adapter/types"
F_NS = "urn://x-artefacts-smev-gov-ru/services/service-adapter/types/faults"
NSMAP = {"soap": SOAP_NS, "a": A_NS}
XSD_DIR = Path(__file__).parent / "xsd"
ACTIONS = {"ClientMessage": "urn:Send", "MessageQuery": "urn:Get", "FindMessageQuery": "urn:Find"}


def a(name: str) -> str:
    return f"{{{A_NS}}}{name}"


def new_client_id() -> str:
    return str(uuid.uuid4())


def new_message_id() -> str:
    """An SMEV 3 message id: a version-1 UUID, lower-case."""
    return str(uuid.uuid1()).lower()


def xml_datetime(moment: dt.datetime) -> str:
    """UTC, with its offset: the schema does not force one, an Adapter expects it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


class AdapterSchemaError(ValueError):
    """A body that fails the Adapter's types schema."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@functools.lru_cache(maxsize=1)
def adapter_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_DIR / "adapter-types.xsd")))


def check(body: etree._Element) -> None:
    """Raise ``AdapterSchemaError`` unless ``body`` is valid against the Adapter's types schema."""
    xsd = adapter_schema()
    if not xsd.validate(body):
        raise AdapterSchemaError([f"{e.line}: {e.message}" for e in xsd.error_log])


def envelope(body: etree._Element) -> bytes:
    env = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
    etree.SubElement(env, f"{{{SOAP_NS}}}Body").append(body)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def fault_envelope(kind: str, code: str, description: str, server: bool = False) -> bytes:
    """A SOAP 1.1 fault whose ``detail`` starts with ``f:SystemFault`` or ``f:ValidationFault``."""
    env = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
    body = etree.SubElement(env, f"{{{SOAP_NS}}}Body")
    fault = etree.SubElement(body, f"{{{SOAP_NS}}}Fault")
    etree.SubElement(fault, "faultcode").text = "soap:Server" if server else "soap:Client"
    etree.SubElement(fault, "faultstring").text = description
    detail = etree.SubElement(etree.SubElement(fault, "detail"), f"{{{F_NS}}}{kind}", nsmap={"f": F_NS})
    etree.SubElement(detail, f"{{{F_NS}}}code").text = code
    etree.SubElement(detail, f"{{{F_NS}}}description").text = description
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def parse_envelope(data: bytes) -> etree._Element:
    """The first element of the SOAP Body; ``ValueError`` if ``data`` is not a SOAP 1.1 envelope."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not XML: {exc}") from None
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        raise ValueError("not a SOAP 1.1 envelope")
    body = root.find(f"{{{SOAP_NS}}}Body")
    if body is None or len(body) == 0:
        raise ValueError("the SOAP Body is empty")
    return body[0]


@dataclass
class SoapFault:
    """A fault read from an answer: ``kind`` is ``SystemFault``, ``ValidationFault`` or ``""`` (other)."""

    kind: str
    code: str
    description: str


def read_fault(element: etree._Element) -> SoapFault | None:
    if element.tag != f"{{{SOAP_NS}}}Fault":
        return None
    text = element.findtext("faultstring") or ""
    detail = element.find("detail")
    if detail is not None and len(detail):
        first = detail[0]
        kind = etree.QName(first).localname if etree.QName(first).namespace == F_NS else ""
        return SoapFault(kind, first.findtext(f"{{{F_NS}}}code") or "",
                         first.findtext(f"{{{F_NS}}}description") or text)
    return SoapFault("", "", text)


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, a(name))
    if text is not None:
        node.text = text
    return node


# --- Get / Find / Send bodies -------------------------------------------------------


def message_query(it_system: str, node_id: str | None = None, kind: str | None = "REQUEST") -> etree._Element:
    body = etree.Element(a("MessageQuery"), nsmap={"a": A_NS})
    _sub(body, "itSystem", it_system)
    if node_id:
        _sub(body, "nodeId", node_id)
    if kind:
        _sub(_sub(body, "specificQuery"), "messageTypeCriteria", kind)
    return body


def find_by_client_id(it_system: str, client_id: str, criteria: str) -> etree._Element:
    body = etree.Element(a("FindMessageQuery"), nsmap={"a": A_NS})
    _sub(body, "itSystem", it_system)
    crit = _sub(_sub(body, "specificQuery"), "messageClientIdCriteria")
    _sub(crit, "clientId", client_id)
    _sub(crit, "clientIdCriteria", criteria)
    return body


def find_by_period(it_system: str, since: dt.datetime, until: dt.datetime | None = None) -> etree._Element:
    body = etree.Element(a("FindMessageQuery"), nsmap={"a": A_NS})
    _sub(body, "itSystem", it_system)
    crit = _sub(_sub(body, "specificQuery"), "messagePeriodCriteria")
    _sub(crit, "from", xml_datetime(since))
    if until is not None:
        _sub(crit, "to", xml_datetime(until))
    return body


def _content(parent: etree._Element, payload: etree._Element) -> None:
    _sub(_sub(parent, "content"), "MessagePrimaryContent").append(payload)


def response_message(it_system: str, client_id: str, reply_to_client_id: str, *,
                     payload: etree._Element | None = None, rejects: list[tuple[str, str]] | None = None,
                     status: tuple[str, str, dict[str, str]] | None = None) -> etree._Element:
    """A ``ClientMessage`` with a ``ResponseMessage``: exactly one of ``payload``, ``rejects``, ``status``."""
    body = etree.Element(a("ClientMessage"), nsmap={"a": A_NS})
    _sub(body, "itSystem", it_system)
    message = _sub(body, "ResponseMessage")
    meta = _sub(message, "ResponseMetadata")
    _sub(meta, "clientId", client_id)
    _sub(meta, "replyToClientId", reply_to_client_id)
    content = _sub(message, "ResponseContent")
    if payload is not None:
        _content(content, payload)
    elif rejects:
        for code, description in rejects:
            reject = _sub(content, "rejects")
            _sub(reject, "code", code)
            _sub(reject, "description", description[:4000])
    elif status is not None:
        code, description, parameters = status
        node = _sub(content, "status")
        _sub(node, "code", code)
        _sub(node, "description", description)
        for key, value in parameters.items():
            parameter = _sub(node, "parameter")
            _sub(parameter, "key", key)
            _sub(parameter, "value", value)
    else:
        raise ValueError("a response needs a payload, rejects or a status")
    return body


def request_message(it_system: str, client_id: str, payload: etree._Element, *, node_id: str | None = None,
                    test: bool = False) -> etree._Element:
    """A ``ClientMessage`` with a ``RequestMessage`` (the portal's side, in the emulator)."""
    body = etree.Element(a("ClientMessage"), nsmap={"a": A_NS})
    _sub(body, "itSystem", it_system)
    message = _sub(body, "RequestMessage")
    meta = _sub(message, "RequestMetadata")
    _sub(meta, "clientId", client_id)
    if node_id:
        _sub(meta, "nodeId", node_id)
    _sub(meta, "testMessage", "true" if test else "false")
    _content(_sub(message, "RequestContent"), payload)
    return body


def message_result(it_system: str, message_id: str) -> etree._Element:
    body = etree.Element(a("MessageResult"), nsmap={"a": A_NS})
    _sub(body, "itSystem", it_system)
    _sub(body, "MessageId", message_id)
    return body


# --- QueryResult ------------------------------------------------------------------


@dataclass
class Received:
    """One ``QueryResult``: SMEV metadata, the concrete message type and the parts eschool reads."""

    xsi_type: str
    message_type: str = ""
    message_id: str = ""
    reference_message_id: str = ""
    original_message_id: str = ""
    transaction_code: str = ""
    sender: str = ""
    recipient: str = ""
    sending_date: str = ""
    client_id: str = ""
    reply_to_client_id: str = ""
    test: bool = False
    payload: etree._Element | None = None
    rejects: list[tuple[str, str]] = field(default_factory=list)
    status: tuple[str, str] | None = None
    raw: bytes = b""


def _local(value: str) -> str:
    return value.rsplit(":", 1)[-1]


def read_query_result(element: etree._Element) -> Received | None:
    """A ``QueryResult`` → ``Received``; ``None`` for the empty answer (no ``Message``, no metadata)."""
    if element.tag != a("QueryResult"):
        raise ValueError(f"expected a:QueryResult, got {element.tag}")
    meta = element.find(a("smevMetadata"))
    message = element.find(a("Message"))
    if meta is None or message is None:
        return None
    item = Received(xsi_type=_local(message.get(f"{{{XSI_NS}}}type", "")),
                    message_type=message.findtext(a("messageType")) or "",
                    raw=etree.tostring(element))
    for attr, tag in (("message_id", "MessageId"), ("reference_message_id", "ReferenceMessageID"),
                      ("original_message_id", "OriginalMessageID"), ("transaction_code", "TransactionCode"),
                      ("sender", "Sender"), ("recipient", "Recipient"), ("sending_date", "SendingDate")):
        setattr(item, attr, (meta.findtext(a(tag)) or "").strip())
    if item.xsi_type == "RequestMessageType":
        item.client_id = message.findtext(f"{a('RequestMetadata')}/{a('clientId')}") or ""
        item.test = (message.findtext(f"{a('RequestMetadata')}/{a('testMessage')}") or "") == "true"
        primary = message.find(f"{a('RequestContent')}/{a('content')}/{a('MessagePrimaryContent')}")
        item.payload = primary[0] if primary is not None and len(primary) else None
    elif item.xsi_type == "ResponseMessageType":
        item.client_id = message.findtext(f"{a('ResponseMetadata')}/{a('clientId')}") or ""
        item.reply_to_client_id = message.findtext(f"{a('ResponseMetadata')}/{a('replyToClientId')}") or ""
        content = message.find(a("ResponseContent"))
        primary = content.find(f"{a('content')}/{a('MessagePrimaryContent')}") if content is not None else None
        item.payload = primary[0] if primary is not None and len(primary) else None
        if content is not None:
            item.rejects = [(r.findtext(a("code")) or "", r.findtext(a("description")) or "")
                            for r in content.findall(a("rejects"))]
            status = content.find(a("status"))
            if status is not None:
                item.status = (status.findtext(a("code")) or "", status.findtext(a("description")) or "")
    elif item.xsi_type in ("StatusMessage", "ErrorMessage"):
        item.client_id = message.findtext(f"{a('statusMetadata')}/{a('clientId')}") or ""
        item.reply_to_client_id = message.findtext(f"{a('statusMetadata')}/{a('originalClientId')}") or ""
        item.status = (message.findtext(a("status")) or "", message.findtext(a("details")) or "")
    return item
