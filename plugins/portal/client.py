"""A client of the Adapter's SOAP interface: Send, Get and Find over HTTP (requests + lxml).

Every body is checked against the Adapter's types schema before it leaves.
Failures come back as exceptions the worker tells apart: ``AdapterDown`` (no
connection), ``AdapterTimeout``, ``AdapterFault`` with ``retry`` True for a
SystemFault (the Adapter's trouble) and False for a ValidationFault (ours).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from lxml import etree

from plugins.portal import soap

log = logging.getLogger(__name__)


class AdapterError(Exception):
    """The exchange with the Adapter failed; ``retry`` says whether sending again may help."""

    retry = True


class AdapterDown(AdapterError):
    """No connection to the Adapter (refused, reset, DNS)."""


class AdapterTimeout(AdapterError):
    """The Adapter did not answer within ``timeout_seconds``."""


class AdapterFault(AdapterError):
    """A SOAP fault from the Adapter."""

    def __init__(self, fault: soap.SoapFault, status: int):
        super().__init__(f"{fault.kind or 'Fault'} {fault.code}: {fault.description} (HTTP {status})")
        self.fault = fault
        self.retry = fault.kind != "ValidationFault"


class AdapterProtocolError(AdapterError):
    """An answer that is not the SOAP the interface promises (HTML error page, wrong element)."""


@dataclass
class AdapterClient:
    url: str
    it_system: str
    node_id: str | None = None
    timeout: float = 10.0

    def __post_init__(self):
        self.http = requests.Session()

    def _call(self, body: etree._Element) -> etree._Element:
        soap.check(body)  # never send what the Adapter's schema refuses
        action = soap.ACTIONS[etree.QName(body).localname]
        try:
            response = self.http.post(self.url, data=soap.envelope(body), timeout=self.timeout,
                                      headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": action})
        except requests.Timeout as exc:
            raise AdapterTimeout(f"{action}: no answer in {self.timeout} s") from exc
        except requests.ConnectionError as exc:
            raise AdapterDown(f"{action}: {type(exc).__name__}: {exc}") from exc
        try:
            element = soap.parse_envelope(response.content)
        except ValueError as exc:
            raise AdapterProtocolError(f"{action}: HTTP {response.status_code}: {exc}") from None
        fault = soap.read_fault(element)
        if fault is not None:
            raise AdapterFault(fault, response.status_code)
        return element

    def get(self, kind: str | None = "REQUEST") -> soap.Received | None:
        """Take one message from the system's queue (Get); ``None`` when the queue is empty."""
        element = self._call(soap.message_query(self.it_system, self.node_id, kind))
        return soap.read_query_result(element)

    def send(self, body: etree._Element) -> str:
        """Put a ``ClientMessage`` into SMEV 3 (Send); returns the MessageId the Adapter gave it."""
        element = self._call(body)
        if element.tag != soap.a("MessageResult"):
            raise AdapterProtocolError(f"Send answered {element.tag}")
        echo = element.findtext(soap.a("itSystem"))
        if echo != self.it_system:
            raise AdapterProtocolError(f"Send answered for itSystem {echo!r}, not {self.it_system!r}")
        return element.findtext(soap.a("MessageId")) or ""

    def find(self, client_id: str, criteria: str = "GET_RESPONSE_BY_REQUEST_CLIENTID") -> list[soap.Received]:
        """Messages already sent or received, by clientId (Find)."""
        element = self._call(soap.find_by_client_id(self.it_system, client_id, criteria))
        return [r for r in (soap.read_query_result(q) for q in element.findall(soap.a("QueryResult"))) if r]

    def find_since(self, since) -> list[soap.Received]:
        """Messages of this system since ``since`` (Find by period)."""
        element = self._call(soap.find_by_period(self.it_system, since))
        return [r for r in (soap.read_query_result(q) for q in element.findall(soap.a("QueryResult"))) if r]

    def close(self) -> None:
        self.http.close()
