"""Access to the debtor's page (issue #23): the personal link of each message, its second
factor, the neutral page of every link that opens nothing, the rate limits, the journal."""

import datetime
import html

import pytest
from django.core import mail
from django.test import Client

from courriers.models import SentMessage
from dossiers import services as dossier_services
from dossiers.models import Dossier
from portail import services, tokens
from portail.models import PortalAccess, PortalAttempt, PortalEvent, PortalSettings
from tests.portail.conftest import R7, D

pytestmark = pytest.mark.django_db


def flat(response) -> str:
    text = html.unescape(response.content.decode())
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _neutral_body(response) -> str:
    return response.content.decode()


def test_reminder_email_carries_a_link_that_opens_the_second_factor_only(client, reminded, frozen):
    dossier, path = reminded()
    with frozen(R7):
        response = client.get(path)
    page = flat(response)
    assert response.status_code == 200
    assert "Accès à votre dossier" in page
    # Nothing personal before the second factor: neither the debtor nor the invoices.
    assert dossier.debtor.name not in page
    assert dossier.claims.first().invoice_number not in page
    assert "1 200,00" not in page
    assert dossier.creditor.legal_name in page


def test_the_link_is_stored_only_as_a_digest(reminded):
    dossier, path = reminded()
    token = path.split("/")[2]
    access = PortalAccess.objects.get(dossier=dossier)
    assert access.key_hash == tokens.key_hash(token)
    stored = repr(list(PortalAccess.objects.values()))
    assert token not in stored
    assert access.contact == dossier.debtor.reminder_contact


def test_right_invoice_number_opens_the_dossier_and_the_visit_is_journaled(
    client, reminded, verified, frozen
):
    dossier, path = reminded()
    response = verified(dossier, path)
    assert response["Location"].endswith("/dossier/")
    with frozen(R7):
        page = client.get(response["Location"])
    text = flat(page)
    assert page.status_code == 200
    assert dossier.reference in text
    assert dossier.claims.first().invoice_number in text
    assert "1 200,00 €" in text
    assert page["Referrer-Policy"] == "same-origin"
    kinds = list(PortalEvent.objects.filter(dossier=dossier).values_list("kind", flat=True))
    assert sorted(kinds) == ["verified", "view"]
    history = PortalEvent.history.filter(dossier_id=dossier.pk, kind="view").get()
    assert history.history_user is None
    assert (
        history.history_change_reason == "le débiteur (espace en ligne) : consultation du dossier"
    )


def test_postal_code_is_a_second_factor_too(client, reminded, frozen):
    _dossier, path = reminded()
    with frozen(R7):
        response = client.post(path, {"answer": "33 000"})
    assert response.status_code == 302


def test_wrong_second_factor_is_refused_in_french_and_journaled(client, reminded, frozen):
    dossier, path = reminded()
    with frozen(R7):
        response = client.post(path, {"answer": "FA-0000-99999"})
        text = response.content.decode()
        assert response.status_code == 400
        assert "ne correspondent pas à ce dossier" in text
        assert 'role="alert"' in text and 'aria-invalid="true"' in text
        # Still nothing personal, and the dossier page stays closed.
        assert client.get(f"{path}dossier/")["Location"] == path
    assert PortalEvent.objects.filter(dossier=dossier, kind="factor_failed").count() == 1


def test_guessing_the_second_factor_is_rate_limited_per_link(client, reminded, frozen, settings):
    dossier, path = reminded()
    number = dossier.claims.first().invoice_number
    with frozen(R7):
        for _ in range(settings.PORTAL_MAX_FAILURES_PER_LINK):
            client.post(path, {"answer": "00000"})
        # Locked: even the right answer opens nothing, from any address.
        other = Client(REMOTE_ADDR="10.9.9.9")
        response = other.post(path, {"answer": number})
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()
    assert "/dossier/" not in response.get("Location", "")
    # An hour later the link opens again.
    with frozen(R7 + datetime.timedelta(days=1)):
        assert other.post(path, {"answer": number}).status_code == 302


def test_guessing_links_is_rate_limited_per_address(client, reminded, frozen, settings):
    _dossier, path = reminded()
    with frozen(R7):
        for n in range(settings.PORTAL_MAX_FAILURES_PER_ADDRESS):
            assert client.get(f"/p/{'A' * 21}{n % 10}/").status_code == 404
        # The real link, from that address, is refused too...
        assert client.get(path).status_code == 429
        # ...not from another one.
        assert Client(REMOTE_ADDR="10.1.2.3").get(path).status_code == 200
    # The address is counted as a keyed digest only.
    assert "127.0.0.1" not in repr(list(PortalAttempt.objects.values()))


def test_unknown_tampered_expired_and_revoked_links_all_get_the_same_neutral_page(
    client, reminded, frozen, controller
):
    dossier, path = reminded()
    token = path.split("/")[2]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with frozen(R7):
        unknown = client.get("/p/inconnu/")
        bad = client.get(f"/p/{tampered}/")
        bad_dossier = client.get(f"/p/{tampered}/dossier/")
    access = PortalAccess.objects.get(dossier=dossier)
    with frozen(access.expires_at.date() + datetime.timedelta(days=1)):
        expired = client.get(path)
    with frozen(R7):
        services.access_revoke(access=access, actor=controller, reason="lien transmis par erreur")
        revoked = client.get(path)
        revoked_post = client.post(path, {"answer": dossier.claims.first().invoice_number})
    answers = [unknown, bad, bad_dossier, expired, revoked, revoked_post]
    assert {r.status_code for r in answers} == {404}
    assert len({_neutral_body(r) for r in answers}) == 1
    body = _neutral_body(unknown)
    for secret in (dossier.reference, dossier.creditor.legal_name, dossier.debtor.name):
        assert secret not in body


def test_a_closed_dossier_shows_nothing_personal(client, reminded, verified, frozen, controller):
    # A consumer: paid in full, the dossier closes (a professional would owe its accessories).
    dossier, path = reminded(kind="consumer")
    verified(dossier, path)
    with frozen(R7):
        dossier_services.payment_record(
            dossier=dossier, amount=dossier.claims.first().amount, received_on=R7, actor=controller
        )
        assert Dossier.objects.get(pk=dossier.pk).state == "paid"
        for url in (path, f"{path}dossier/"):
            page = flat(client.get(url))
            assert "pas consultable en ligne" in page
            assert dossier.debtor.name not in page and dossier.reference not in page
            assert "1 200,00" not in page


def test_a_restricted_debtor_shows_nothing_personal(client, reminded, frozen, dpo):
    dossier, path = reminded()
    with frozen(R7):
        dossier_services.restriction_set(
            debtor=dossier.debtor, restricted=True, actor=dpo, reason="art. 18"
        )
        page = client.get(path).content.decode()
    assert "pas consultable en ligne" in page and dossier.reference not in page


def test_creditor_switching_the_portal_off_removes_the_link_and_closes_the_page(
    client, reminded, frozen
):
    dossier, path = reminded()
    PortalSettings.objects.create(creditor=dossier.creditor, enabled=False)
    with frozen(R7):
        assert "pas consultable en ligne" in client.get(path).content.decode()
    assert services.portal_link(dossier, None) == ""


def test_email_sms_and_letter_carry_the_link_and_the_letter_its_qr_code(reminded, frozen):
    from courriers.rendering import render_document
    from courriers.versions import template_for

    dossier, path = reminded()
    sent = SentMessage.objects.filter(dossier=dossier).first()
    assert path in sent.body_text
    assert path in mail.outbox[-1].alternatives[0][0]
    with frozen(R7):
        sms = render_document(template_for("relance-sms", "sms"), dossier, on=R7)
        letter = render_document(
            template_for("relance-ferme-pro", "letter", "professional"), dossier, on=R7
        )
    assert path in sms.sms_text
    assert path in letter.print_html
    assert 'class="portal-qr" src="data:image/png;base64,' in letter.print_html


def test_link_for_one_contact_is_kept_until_near_its_expiry(reminded, frozen):
    dossier, _path = reminded()
    contact = dossier.debtor.reminder_contact
    first = services.access_issue(dossier=dossier, contact=contact)
    assert services.access_issue(dossier=dossier, contact=contact) == first
    with frozen(first.expires_at.date() - datetime.timedelta(days=3)):
        renewed = services.access_issue(dossier=dossier, contact=contact)
    assert renewed != first and first.is_valid(now=first.expires_at - datetime.timedelta(days=1))


def test_penalties_and_indemnity_for_a_professional(client, reminded, verified, frozen):
    dossier, path = reminded()
    verified(dossier, path)
    with frozen(R7):
        text = flat(client.get(f"{path}dossier/"))
    assert "Indemnité forfaitaire" in text and "40,00 €" in text
    assert "Pénalités de retard" in text


def test_a_consumer_never_sees_penalties_nor_the_40_euro_indemnity(
    client, reminded, verified, frozen
):
    dossier, path = reminded(kind="consumer")
    verified(dossier, path)
    with frozen(R7):
        text = flat(client.get(f"{path}dossier/"))
    assert dossier.reference in text
    for word in ("40,00", "40 €", "indemnité", "Indemnité", "pénalité", "Pénalité"):
        assert word not in text, word


def test_copies_of_the_letters_sent(client, reminded, verified, frozen):
    dossier, path = reminded()
    verified(dossier, path)
    sent = SentMessage.objects.filter(dossier=dossier).first()
    with frozen(R7):
        text = flat(client.get(f"{path}dossier/"))
        assert f"{path}courriers/{sent.pk}/" in text
        response = client.get(f"{path}courriers/{sent.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert PortalEvent.objects.filter(dossier=dossier, kind="document").exists()


def test_the_copy_of_another_dossiers_letter_is_not_found(client, reminded, verified, frozen):
    dossier, path = reminded()
    other, _ = reminded()
    verified(dossier, path)
    sent = SentMessage.objects.filter(dossier=other).first()
    with frozen(R7):
        assert client.get(f"{path}courriers/{sent.pk}/").status_code == 404


def test_next_step_is_said_without_a_threat(client, reminded, verified, frozen):
    from legal import wording

    dossier, path = reminded()
    verified(dossier, path)
    from portail_web.selectors import debtor_view

    view = debtor_view(Dossier.objects.get(pk=dossier.pk), on=R7)
    assert "nouveau rappel" in view.next_step
    assert wording.forbidden_phrases(view.next_step, consumer=True) == []
    assert D(2026, 10, 16).strftime("%d/%m/%Y") in view.next_step


def test_the_pages_name_the_creditor_in_french_that_reads_right(
    client, reminded, verified, frozen, controller
):
    """Issue #18, item 4: « Service recouvrement de Atlantique » was seen; the debtor's page
    and the page of a dossier no longer shown both elide (« d'Atlantique Négoce »)."""
    dossier, path = reminded(kind="consumer", legal_name="Atlantique Négoce")
    verified(dossier, path)
    with frozen(R7):
        page = flat(client.get(f"{path}dossier/"))
        assert "Service recouvrement d'Atlantique Négoce" in page
        assert "de Atlantique" not in page
        dossier_services.payment_record(
            dossier=dossier, amount=dossier.claims.first().amount, received_on=R7, actor=controller
        )
        page = flat(client.get(f"{path}dossier/"))
    assert "pas consultable en ligne" in page
    assert "le service recouvrement d'Atlantique Négoce" in page
    assert str(PortalSettings(creditor=dossier.creditor)) == ("Espace débiteur d'Atlantique Négoce")
