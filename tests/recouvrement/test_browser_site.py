"""The site in Debian's Chromium (Playwright): the header fits a 390 px phone (the logout
button was cut off), and the API's documentation draws from the site's own files, offline
(issue #18, item 10)."""

import re

from tests.factories import UserFactory
from tests.fixtures.browser import ARTIFACTS, browser_marks

pytestmark = browser_marks
# What the documentation pages must fetch from the site itself. ReDoc also asks for its own
# « Redocly » logo (an image on its CDN): the site's policy (img-src 'self') refuses it.
WANTED = {"script", "stylesheet", "font", "fetch", "xhr", "document"}


def _login(browser, live_server, username, *, width, height=844):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill("motdepasse-test")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/ma-journee/$"))
    return page


def test_the_header_fits_a_390_px_screen_with_its_logout_button(live_server, browser):
    """A manager has the longest menu, and no second factor yet (its link shows too)."""
    UserFactory(
        username="responsable", role="manager", first_name="Camille", last_name="Rousseau-Delaunay"
    )
    page = _login(browser, live_server, "responsable", width=390)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "header-390px.png"))
    logout = page.get_by_role("button", name="Se déconnecter")
    assert logout.is_visible()
    box = logout.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    # Nothing wider than the screen: no sideways scrolling to reach a menu entry.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for name in ("Ma journée", "Pilotage", "Cadence", "API"):
        link = page.get_by_role("navigation").get_by_role("link", name=name, exact=True)
        entry = link.bounding_box()
        assert entry["x"] >= 0 and entry["x"] + entry["width"] <= 390, (name, entry)
    logout.click()
    page.wait_for_url(re.compile(r"/connexion/"))


def test_the_api_documentation_draws_offline(live_server, browser):
    UserFactory(username="controleur", role="controller")
    page = _login(browser, live_server, "controleur", width=1280)
    errors, outside = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "data:", "blob:"))
            or request.resource_type not in WANTED
            else outside.append(request.url)
        ),
    )
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "API Recouvrement amiable" in page.locator(".swagger-ui .info .title").inner_text()
    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector("redoc h1, [role=main] h1, .api-content h1", state="attached")
    assert not outside, outside
    assert not errors, errors
