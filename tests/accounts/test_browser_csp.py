"""In a real browser (Debian's Chromium), the main pages of each role load under the
Content-Security-Policy without a single refusal in the console."""

import pytest
from django.test import Client

from tests.factories import ClaimFactory
from tests.fixtures.browser import browser_marks as pytestmark  # noqa: F401 (markers)


@pytest.fixture
def signed_in(live_server, browser):
    def open_pages(user, paths):
        client = Client()
        client.force_login(user)
        context = browser.new_context(locale="fr-FR")
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        refusals = []
        page.on(
            "console",
            lambda message: (
                refusals.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            page.wait_for_load_state("networkidle")
        context.close()
        return refusals

    return open_pages


def test_workspace_and_admin_pages_respect_the_policy(signed_in, controller, admin_user):
    dossier = ClaimFactory().dossier
    dossier.assigned_to = controller
    dossier.save(update_fields=["assigned_to"])
    assert signed_in(controller, ["/ma-journee/", f"/dossiers/{dossier.pk}/"]) == []
    admin_pages = [
        "/admin/",
        "/admin/dossiers/dossier/",
        f"/admin/dossiers/dossier/{dossier.pk}/change/",
    ]
    assert signed_in(admin_user, admin_pages) == []
