"""`make run`'s region file: the demo config with the ESIA emulator's port put where the app reads it.

    python tools/demo_region.py regions/demo.toml 5201 instance/demo-region.toml

The emulator (started with ``--port``) and the app (sending people to ``[auth_esia] base_url``) must agree on
the port, so ``make run ESIA_PORT=5201`` writes a copy of the config with that ``base_url``. The copy is
checked by parsing it back: every other setting is the original's.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def with_esia_port(text: str, port: int) -> str:
    """``text`` (a region file) with ``[auth_esia] base_url`` on 127.0.0.1:``port``; unchanged without it."""
    original = tomllib.loads(text)
    if "auth_esia" not in original:
        return text
    url = f"http://127.0.0.1:{port}"
    lines, section = [], None
    for line in text.splitlines():
        header = re.match(r"\s*\[([^\]]+)\]", line)
        if header:
            section = header.group(1).strip()
        elif section == "auth_esia" and re.match(r"\s*base_url\s*=", line):
            continue
        lines.append(line)
        if header and section == "auth_esia":
            lines.append(f'base_url = "{url}"')
    result = "\n".join(lines) + "\n"
    parsed = tomllib.loads(result)
    expected = {**original, "auth_esia": {**original["auth_esia"], "base_url": url}}
    if parsed != expected:
        raise SystemExit("tools/demo_region.py: could not set [auth_esia] base_url in the region file")
    return result


def main(source: str, port: str, target: str) -> None:
    text = Path(source).read_text(encoding="utf-8")
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_text(with_esia_port(text, int(port)), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
