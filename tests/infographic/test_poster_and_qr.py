"""The A4 poster renders with a QR code for every configured link, and each code decodes back to its link."""

import html as html_lib
import io
import re

import zxingcpp
from PIL import Image

from plugins.infographic.qr import make_qr, qr_data_uri
from tests.infographic.conftest import read_region

QR_IMG = re.compile(r'<img class="p-qr[^"]*" src="([^"]+)" alt="([^"]+)" data-url="([^"]+)">')


def decode_png_of(url: str) -> list[str]:
    buffer = io.BytesIO()
    make_qr(url).save(buffer, kind="png", scale=6)
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(buffer.getvalue())))]


def configured_links(region: str) -> list[str]:
    conf = read_region(region)["infographic"]
    return [conf["portal_url"], conf["cabinet_url"], *(app["url"] for app in conf["mobile_apps"])]


def test_poster_renders_a4_with_a_qr_code_for_every_configured_link(region_app):
    for region in ("demo.toml", "example-north.toml"):
        client = region_app(region).test_client()
        poster = client.get("/service/poster")
        assert poster.status_code == 200
        page = poster.get_data(as_text=True)
        found = {html_lib.unescape(url): (html_lib.unescape(src), alt) for src, alt, url in QR_IMG.findall(page)}
        assert list(found) == configured_links(region)
        for url, (src, alt) in found.items():
            assert src == qr_data_uri(url) and src.startswith("data:image/svg+xml")
            assert alt.startswith("QR-код:") and html_lib.escape(url) in alt
        css = client.get(re.search(r'href="([^"]+poster\.css)"', page).group(1))
        assert css.status_code == 200 and "size: A4" in css.get_data(as_text=True)
        assert "style=" not in page and "<style" not in page


def test_each_qr_code_decodes_back_to_its_configured_url():
    for region in ("demo.toml", "example-north.toml"):
        for url in configured_links(region):
            assert decode_png_of(url) == [url]


def test_the_default_cabinet_link_is_this_sites_login_page_and_its_code_decodes(make_app):
    app = make_app(["infographic"])
    page = app.test_client().get("/service/poster").get_data(as_text=True)
    urls = [html_lib.unescape(url) for _, _, url in QR_IMG.findall(page)]
    assert urls == ["http://localhost/login"]
    assert decode_png_of(urls[0]) == urls
