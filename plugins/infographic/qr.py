"""QR codes for the poster: vector SVG as a data URI (CSP allows ``img-src data:``)."""

from __future__ import annotations

from functools import lru_cache

import segno

# Medium error correction survives a crumpled or glossy poster; a 4-module quiet zone is the standard's minimum.
ERROR_LEVEL = "m"
BORDER = 4


def make_qr(url: str) -> segno.QRCode:
    """The QR code of ``url``, exactly as the poster prints it."""
    return segno.make(url, error=ERROR_LEVEL, boost_error=False)


@lru_cache(maxsize=256)
def qr_data_uri(url: str) -> str:
    """An ``data:image/svg+xml`` URI of the QR code, dark modules on white, sized by CSS."""
    return make_qr(url).svg_data_uri(border=BORDER, omitsize=True, dark="#000", light="#fff")
