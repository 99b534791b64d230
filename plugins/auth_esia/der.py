"""Just enough ASN.1 DER to read and write GOST keys, certificates and CMS signatures."""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass, field


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def seq(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def set_of(*items: bytes) -> bytes:
    return tlv(0x31, b"".join(sorted(items)))


def integer(value: int) -> bytes:
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True)
    return tlv(0x02, body)


def octet_string(value: bytes) -> bytes:
    return tlv(0x04, value)


def bit_string(value: bytes) -> bytes:
    return tlv(0x03, b"\x00" + value)


def utf8(value: str) -> bytes:
    return tlv(0x0C, value.encode("utf-8"))


def utc_time(value: dt.datetime) -> bytes:
    return tlv(0x17, value.strftime("%y%m%d%H%M%SZ").encode("ascii"))


def oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray([parts[0] * 40 + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.append(0x80 | (part & 0x7F))
            part >>= 7
        body.extend(reversed(chunk))
    return tlv(0x06, bytes(body))


def explicit(number: int, inner: bytes) -> bytes:
    return tlv(0xA0 | number, inner)


def implicit_constructed(number: int, inner_tlv: bytes) -> bytes:
    """``[number] IMPLICIT SET OF`` holding one element (e.g. the certificates of CMS)."""
    return tlv(0xA0 | number, inner_tlv)


@dataclass
class Node:
    """A parsed TLV: tag byte, content bytes, the whole encoding, and children if constructed."""

    tag: int
    content: bytes
    encoded: bytes
    children: list["Node"] = field(default_factory=list)

    def oid(self) -> str:
        if self.tag != 0x06:
            raise ValueError(f"expected an OBJECT IDENTIFIER, found tag {self.tag:#x}")
        first, values, current = self.content[0], [], 0
        values.extend([first // 40, first % 40])
        for byte in self.content[1:]:
            current = (current << 7) | (byte & 0x7F)
            if not byte & 0x80:
                values.append(current)
                current = 0
        return ".".join(str(v) for v in values)


def _read(data: bytes, pos: int) -> tuple[Node, int]:
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    start, tag = pos, data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise ValueError("unsupported DER length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise ValueError("truncated DER")
    node = Node(tag, data[pos:end], data[start:end])
    if tag & 0x20:
        inner = pos
        while inner < end:
            child, inner = _read(data, inner)
            node.children.append(child)
    return node, end


def parse(data: bytes) -> Node:
    """Parse one DER element (and everything inside constructed ones)."""
    node, end = _read(data, 0)
    if end != len(data):
        raise ValueError("trailing bytes after DER")
    return node


def pem(label: str, body: bytes) -> str:
    text = base64.b64encode(body).decode("ascii")
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def unpem(text: str, label: str) -> bytes:
    match = re.search(rf"-----BEGIN {label}-----(.*?)-----END {label}-----", text, re.S)
    if not match:
        raise ValueError(f"no PEM block '{label}'")
    return base64.b64decode("".join(match.group(1).split()))
