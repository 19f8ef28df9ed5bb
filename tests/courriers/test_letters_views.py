"""The « Courriers » pages: who may see what, the polling fragment, downloads, the plan's PDF,
the evidence page, and a query count that does not grow with the number of letters."""

from decimal import Decimal

import pytest
from django.urls import reverse

from courriers import delivery
from courriers.models import ApprovalBatch, SentMessage
from dossiers import services as dossier_services
from dossiers.services import work
from tests.courriers.letters_helpers import STEP_DAYS, D, make_claim, pdf_text, walk_to
from tests.factories import UserFactory


def _jpeg_bytes() -> bytes:
    """A real (tiny) JPEG: the evidence validator reads the bytes, not the name."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="JPEG")
    return buffer.getvalue()


def _assigned(claim, controller):
    work.dossier_assign(dossier=claim.dossier, assignee=controller, actor=None, reason="test")
    return claim


@pytest.mark.django_db
def test_the_letters_page_needs_a_workspace_role(client, dpo):
    assert client.get(reverse("courriers:letters")).status_code == 302
    client.force_login(dpo)
    assert client.get(reverse("courriers:letters")).status_code == 403


@pytest.mark.django_db
def test_a_controller_sees_only_the_letters_of_their_dossiers(frozen, walk, client, controller):
    mine = _assigned(make_claim(frozen), controller)
    other = make_claim(frozen)
    for claim in (mine, other):
        walk_to(walk, claim, STEP_DAYS["r45-mise-en-demeure"])
    client.force_login(controller)

    page = client.get(reverse("courriers:letters")).content.decode()

    assert mine.dossier.debtor.name in page and other.dossier.debtor.name not in page
    other_sent = SentMessage.objects.filter(dossier=other.dossier).first()
    assert client.get(reverse("courriers:sent_detail", args=[other_sent.pk])).status_code == 404
    other_notice = other.dossier.reminders.get(step__code="r45-mise-en-demeure")
    preview = reverse("courriers:reminder_preview", args=[other_notice.pk])
    assert client.get(preview).status_code == 404
    # Approving someone else's letter by forging the form changes nothing.
    response = client.post(reverse("courriers:approval_start"), {"reminders": [other_notice.pk]})
    assert response.status_code == 302 and not ApprovalBatch.objects.exists()


@pytest.mark.django_db
def test_preview_shows_the_pending_letter_as_a_pdf(frozen, walk, client, controller):
    claim = _assigned(make_claim(frozen), controller)
    walk_to(walk, claim, STEP_DAYS["r45-mise-en-demeure"])
    notice = claim.dossier.reminders.get(step__code="r45-mise-en-demeure")
    client.force_login(controller)
    response = client.get(reverse("courriers:reminder_preview", args=[notice.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "Mise en demeure de payer" in pdf_text(response.content)
    assert not SentMessage.objects.filter(reminder=notice).exists()  # nothing stored


@pytest.mark.django_db
def test_the_progress_fragment_polls_until_the_batch_is_done(client, controller):
    batch = ApprovalBatch.objects.create(
        reminder_ids=[1, 2, 3, 4], total=4, done=1, created_by=controller
    )
    client.force_login(controller)
    url = reverse("courriers:approval_progress", args=[batch.pk])
    running = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in running and 'value="25"' in running
    assert "<html" not in running  # a fragment
    batch.done, batch.status = 4, "done"
    batch.save()
    done = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and 'value="100"' in done and "terminé" in done
    other = UserFactory(role="controller")
    client.force_login(other)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_batch_and_evidence_downloads(frozen, walk, client, controller, manager):
    claim = _assigned(make_claim(frozen), controller)
    claim.creditor.managers.add(manager)
    foreign = make_claim(frozen)
    for each in (claim, foreign):
        walk_to(walk, each, STEP_DAYS["r30-courrier"])
    client.force_login(controller)
    # Managers print the batch: a controller neither prepares nor reads it.
    assert client.post(reverse("courriers:batch_create")).status_code == 403
    client.force_login(manager)
    response = client.post(reverse("courriers:batch_create"))
    assert response.status_code == 302
    batch = claim.dossier.sent_messages.get(channel="letter").batch
    # Only the letters of the manager's own creditors go into their batch.
    assert foreign.dossier.sent_messages.get(channel="letter").batch is None
    other_manager = UserFactory(role="manager")
    foreign.creditor.managers.add(other_manager)
    client.force_login(other_manager)
    assert client.get(reverse("courriers:batch_file", args=[batch.pk, "pdf"])).status_code == 404
    assert batch.pdf_sha256[:10] not in client.get(reverse("courriers:letters")).content.decode()
    client.force_login(manager)
    assert batch.pdf_sha256[:10] in client.get(reverse("courriers:letters")).content.decode()
    pdf = client.get(reverse("courriers:batch_file", args=[batch.pk, "pdf"]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    csv = b"".join(
        client.get(reverse("courriers:batch_file", args=[batch.pk, "csv"])).streaming_content
    )
    assert claim.dossier.reference in csv.decode("utf-8-sig")

    sent = claim.dossier.sent_messages.get(channel="email", reminder__step__code="r7-email")
    page = client.get(reverse("courriers:sent_detail", args=[sent.pk])).content.decode()
    assert (
        sent.pdf_sha256 in page and sent.text_sha256 in page and sent.message_id.strip("<>") in page
    )
    html = client.get(reverse("courriers:sent_file", args=[sent.pk, "html"]))
    assert html.content.decode() == sent.body_html


@pytest.mark.django_db
def test_registered_letter_forms_record_the_number_and_the_receipt(
    frozen, walk, client, controller
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from relances import services

    claim = _assigned(make_claim(frozen), controller)
    walk_to(walk, claim, STEP_DAYS["r45-mise-en-demeure"])
    notice = claim.dossier.reminders.get(step__code="r45-mise-en-demeure")
    with frozen(STEP_DAYS["r45-mise-en-demeure"]):
        services.reminder_approve(reminder=notice, actor=controller)
        delivery.reminder_deliver(reminder_id=notice.pk)
    sent = SentMessage.objects.get(reminder=notice)
    client.force_login(controller)
    url = reverse("courriers:sent_action", args=[sent.pk, "recommande"])
    client.post(url, {"number": "abc"})
    sent.refresh_from_db()
    assert sent.registered_number == ""
    client.post(url, {"number": "1A 987 654 3210 9"})
    ar_url = reverse("courriers:sent_action", args=[sent.pk, "ar"])
    # A file whose bytes are not the image its name claims is refused with a French message.
    fake = SimpleUploadedFile("ar.jpg", b"pas une image", content_type="image/jpeg")
    refused = client.post(ar_url, {"file": fake}, follow=True).content.decode()
    assert "Type de fichier refusé" in refused
    sent.refresh_from_db()
    assert sent.status == "sent" and sent.receipt is None
    scan = SimpleUploadedFile("ar.jpg", _jpeg_bytes(), content_type="image/jpeg")
    client.post(ar_url, {"file": scan})
    sent.refresh_from_db()
    assert sent.registered_number == "1A98765432109"
    assert sent.status == "delivered" and sent.receipt.kind == "acknowledgment"


@pytest.mark.django_db
def test_the_payment_plan_downloads_as_a_pdf(frozen, client, controller):
    claim = _assigned(make_claim(frozen), controller)
    with frozen(D(2026, 10, 20)):
        plan = dossier_services.plan_accept(
            dossier=claim.dossier,
            installments=[(D(2026, 11, 5), Decimal("400.00")), (D(2026, 12, 5), Decimal("800.00"))],
            actor=controller,
        )
    client.force_login(controller)
    dossier_page = client.get(reverse("journee:dossier", args=[claim.dossier.pk])).content
    url = reverse("courriers:plan_pdf", args=[claim.dossier.pk, plan.pk])
    assert url.encode() in dossier_page
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "échéance n° 1 : 400,00 € au plus tard le 05/11/2026" in text
    assert "Bon pour accord" in text and "C. civ. 2240" in text


@pytest.mark.django_db
def test_the_letters_page_query_count_does_not_grow_with_the_letters(
    frozen, walk, client, manager, django_assert_max_num_queries
):
    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        # A first visit settles the session (second-factor check, idle-session stamp).
        client.get(reverse("courriers:letters"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("courriers:letters")).status_code == 200
        return len(queries)

    def letter_in_the_portfolio():
        claim = make_claim(frozen)
        claim.creditor.managers.add(manager)
        walk_to(walk, claim, STEP_DAYS["r45-mise-en-demeure"])
        return claim

    client.force_login(manager)
    letter_in_the_portfolio()
    few = count_queries()
    claims = [letter_in_the_portfolio() for _ in range(3)]
    assert len(delivery.letters_to_approve()) == 4
    assert count_queries() == few
    page = client.get(reverse("courriers:letters")).content.decode()
    assert all(claim.dossier.debtor.name in page for claim in claims)


@pytest.mark.django_db
def test_the_selection_sends_plain_ids_whatever_their_size(frozen, walk, client, controller):
    """French formatting writes 2125 as « 2 125 »: the checkboxes must carry the bare id."""
    from django.db import connection

    from tests.fixtures.app_role import as_owner

    with as_owner(), connection.cursor() as cursor:  # the application never moves a sequence
        cursor.execute("SELECT setval(pg_get_serial_sequence('relances_reminder', 'id'), 100000)")
    claim = _assigned(make_claim(frozen), controller)
    walk_to(walk, claim, STEP_DAYS["r45-mise-en-demeure"])
    notice = claim.dossier.reminders.get(step__code="r45-mise-en-demeure")
    assert notice.pk > 100000
    client.force_login(controller)
    page = client.get(reverse("courriers:letters")).content.decode()
    assert f'name="reminders" value="{notice.pk}"' in page
    response = client.post(
        reverse("courriers:approval_start"), {"reminders": [str(notice.pk)], "confirm": "1"}
    )
    assert response.status_code == 302
    assert ApprovalBatch.objects.get().reminder_ids == [notice.pk]


@pytest.mark.django_db
def test_nothing_is_pre_ticked_and_the_selection_is_confirmed_before_anything_leaves(
    frozen, walk, client, controller, django_capture_on_commit_callbacks
):
    """Issue #18, seen 3: all notices pre-ticked, sent without confirmation. Now nothing is
    ticked (« Tout sélectionner » ticks them all), and the selection leads to a confirmation
    naming the count, the total and the channels; only the confirmation starts the batch, of
    exactly the letters chosen."""
    claims = [
        _assigned(make_claim(frozen, amount=amount), controller)
        for amount in ("1200.00", "800.00", "500.00")
    ]
    for claim in claims:
        walk_to(walk, claim, STEP_DAYS["r45-mise-en-demeure"])
    notices = [claim.dossier.reminders.get(step__code="r45-mise-en-demeure") for claim in claims]
    client.force_login(controller)

    page = client.get(reverse("courriers:letters")).content.decode()
    assert page.count('name="reminders"') == 3 and " checked" not in page
    assert "Tout sélectionner" in page
    every = client.get(reverse("courriers:letters") + "?tout=1").content.decode()
    assert every.count(" checked") == 3

    chosen = [notices[0].pk, notices[2].pk]
    confirm = client.post(reverse("courriers:approval_start"), {"reminders": chosen})
    html = confirm.content.decode().replace("\u202f", " ").replace("\xa0", " ")
    assert confirm.status_code == 200 and not ApprovalBatch.objects.exists()
    assert "Valider et envoyer 2 courriers pour un total de 1 700,00 €" in html
    assert "2 lettres recommandées avec AR" in html
    assert claims[1].dossier.debtor.name not in html

    with frozen(D(2026, 12, 2)), django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("courriers:approval_start"), {"reminders": chosen, "confirm": "1"}
        )
    assert done.status_code == 302
    batch = ApprovalBatch.objects.get()
    assert batch.reminder_ids == sorted(chosen) and batch.status == "done"
    assert [o["reminder"] for o in batch.outcomes] == sorted(chosen)
    # In the test's one transaction the delivery runs after the batch (on commit); in the
    # worker it runs at each approval's commit: « envoyé le … » (the browser test reads it).
    assert all(o["ok"] for o in batch.outcomes), batch.outcomes
    statuses = {n.pk: n.__class__.objects.get(pk=n.pk).status for n in notices}
    assert statuses == {notices[0].pk: "sent", notices[1].pk: "planned", notices[2].pk: "sent"}
    progress = client.get(reverse("courriers:approval_progress", args=[batch.pk])).content
    assert claims[0].dossier.debtor.name in progress.decode()
