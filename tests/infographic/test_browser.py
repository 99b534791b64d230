"""The pages in a real browser: Debian's headless Chromium over real HTTP on 127.0.0.1.

Screenshots land in the test's tmp folder (the path is printed) so a person can look at them.
"""

import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import zxingcpp
from PIL import Image

from tests.infographic.conftest import read_region
from tests.support import live_server, registry_tables

A4_HEIGHT_PX = 1123  # 297 mm at 96 px per inch


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_page_and_poster_screenshots_and_no_horizontal_scroll_at_360px(region_app, browser, tmp_path):
    app = region_app("example-north.toml")
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with live_server(app) as base:
        phone = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2)
        refused, missing = [], []
        phone.on("console", lambda msg: refused.append(msg.text) if "Refused" in msg.text else None)
        phone.on("response", lambda r: missing.append(r.url) if r.status >= 400 and "favicon" not in r.url else None)
        phone.goto(f"{base}/service")
        assert phone.locator("h1").inner_text().startswith("Предоставление информации")
        assert no_horizontal_scroll(phone)
        phone.screenshot(path=shots / "page-360.png", full_page=True)
        phone.goto(f"{base}/service/embed")
        assert no_horizontal_scroll(phone)
        phone.screenshot(path=shots / "embed-360.png", full_page=True)
        phone.goto(f"{base}/service/poster")
        assert no_horizontal_scroll(phone)
        assert refused == [] and missing == []  # no CSP violations, no missing files

        desktop = browser.new_page(viewport={"width": 1280, "height": 900})
        desktop.goto(f"{base}/service")
        desktop.screenshot(path=shots / "page-1280.png", full_page=True)
        desktop.goto(f"{base}/service/poster")
        desktop.screenshot(path=shots / "poster-screen.png", full_page=True)

        printed = browser.new_page(viewport={"width": 794, "height": A4_HEIGHT_PX})
        printed.goto(f"{base}/service/poster")
        printed.emulate_media(media="print")
        printed.screenshot(path=shots / "poster-a4.png")
        natural = printed.evaluate(
            "(() => { const p = document.querySelector('.poster');"
            " p.style.minHeight = '0'; p.style.height = 'auto'; return p.getBoundingClientRect().height; })()"
        )
        assert natural <= A4_HEIGHT_PX, "the poster's content must fit one A4 sheet"
        pdf = printed.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1
    for name in ("page-360", "page-1280", "embed-360", "poster-screen", "poster-a4"):
        assert Image.open(shots / f"{name}.png").width > 0
    print(f"screenshots in {shots}")


def test_every_qr_code_on_the_rendered_poster_decodes_to_its_configured_url(region_app, browser):
    conf = read_region("demo.toml")["infographic"]
    expected = [conf["portal_url"], conf["cabinet_url"], *(app["url"] for app in conf["mobile_apps"])]
    with live_server(region_app("demo.toml")) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.goto(f"{base}/service/poster")
        codes = page.locator("img.p-qr")
        assert codes.count() == len(expected)
        decoded = []
        for i in range(codes.count()):
            image = Image.open(io.BytesIO(codes.nth(i).screenshot()))
            decoded.append([r.text for r in zxingcpp.read_barcodes(image)])
    assert decoded == [[url] for url in expected]


class SchoolSite(BaseHTTPRequestHandler):
    """A school website on another origin that embeds the snippet."""

    snippet = ""

    def do_GET(self):
        body = f"<!doctype html><html lang=ru><body><h1>Сайт школы</h1>{self.snippet}</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_snippet_shows_inside_a_school_website_on_another_origin_and_fits_its_height(region_app, browser,
                                                                                          tmp_path):
    from flask import render_template

    from plugins.infographic.content import infographic
    from plugins.infographic.views import links_for

    app = region_app("demo.toml", plugins=["registries", "infographic"])
    with live_server(app) as base:
        with app.test_request_context(base_url=base):  # the snippet exactly as the checklist gives it
            SchoolSite.snippet = render_template("infographic/_snippet.html", school_urls=links_for(None),
                                                 ig=infographic(None))
        site = HTTPServer(("127.0.0.1", 0), SchoolSite)
        threading.Thread(target=site.serve_forever, daemon=True).start()
        try:
            page = browser.new_page(viewport={"width": 800, "height": 1000})
            page.goto(f"http://127.0.0.1:{site.server_port}/")
            frame = page.frame_locator("iframe")
            assert frame.locator("h1").inner_text().startswith("Предоставление информации")
            # the embedded page reports its height and the snippet's listener sizes the frame to it
            page.wait_for_function("() => document.querySelector('iframe').style.height !== ''")
            shown = page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")
            inner = next(f for f in page.frames if "/service/embed" in f.url).evaluate(
                "document.documentElement.scrollHeight")
            assert shown != 1150 and abs(shown - inner) <= 2, (shown, inner)
            page.screenshot(path=tmp_path / "school-site.png", full_page=True)
        finally:
            site.shutdown()


def test_checklist_screenshot_at_360px_without_horizontal_scroll(make_app, login, browser, tmp_path):
    from core.api import User
    from tests.infographic.test_checklist import add_parent, add_student, make_school

    app = make_app(["registries", "infographic"])
    with app.test_request_context():
        reg = registry_tables()
        school = make_school(reg, "S1")
        kids = [add_student(reg, school, f"Ученик{i}", consent=i % 3 != 0) for i in range(1, 10)]
        add_parent(reg, "11223344595", kids[:2], user=True, esia=True)
        add_parent(reg, "11223344696", kids[2:5], user=True)
        admin = User.create(display_name="Админ школы", role="school_admin")
        reg.Staff.create(last_name="Админ", first_name="Школы", school=school, user=admin)
    client = app.test_client()
    login(client, admin)
    session_cookie = client.get_cookie("eschool_session")
    with live_server(app) as base:
        context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)
        context.add_cookies([{"name": "eschool_session", "value": session_cookie.value, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/service/checklist")
        assert page.locator("h1").inner_text() == "Подготовка школы к услуге"
        assert page.locator("progress").count() == 5
        assert no_horizontal_scroll(page)
        page.screenshot(path=tmp_path / "checklist-360.png", full_page=True)
        context.close()
