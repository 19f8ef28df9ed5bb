"""Issue #18, « What was seen » 1 and 9: a letter is dated the day it goes out, names only the
invoices due on that day, counts the notice's deadline from its expected delivery, says the law
of the debtor's kind, and a step with nothing due is not sent; the test banner never moves the
address block."""

import io
from decimal import Decimal

import pdfplumber
import pytest

from courriers import rendering, versions
from courriers.models import CreditorMessaging, SentMessage
from dossiers.models import Dossier
from dossiers.services import payment_record
from relances import services
from relances.models import Channel, Reminder
from tests.courriers.letters_helpers import D, make_claim, pdf_text, reminder, walk_to
from tests.factories import ClaimFactory, UserFactory

SENDING = D(2026, 12, 2)  # a Wednesday


def _approve_and_deliver(claim, frozen, capture, *, on=SENDING):
    notice = reminder(claim, "r45-mise-en-demeure")
    with frozen(on), capture(execute=True):
        services.reminder_approve(reminder=notice, actor=UserFactory(role="controller"))
    notice.refresh_from_db()
    return notice


@pytest.mark.django_db
def test_a_notice_approved_weeks_later_is_dated_and_counted_from_the_day_it_goes_out(
    frozen, walk, django_capture_on_commit_callbacks
):
    """Seen: sent on 02/12/2026, dated 25/09 (the step's date) with a past deadline, and
    demanding an invoice issued 30/11 and due 14/01/2027. The letter is dated 02/12; its
    deadline is 02/12 + 2 working days (expected delivery, Friday 04/12) + 8 days = Saturday
    12/12 → Monday 14/12; the invoice not yet due is neither named nor totalled; the preview
    of that morning is byte for byte the letter that went out."""
    claim = make_claim(frozen)
    walk_to(walk, claim, D(2026, 11, 16))
    notice = reminder(claim, "r45-mise-en-demeure")
    assert notice.status == Reminder.Status.PLANNED and notice.scheduled_for == D(2026, 11, 16)
    with frozen(D(2026, 11, 30)):
        later = ClaimFactory(
            creditor=claim.creditor,
            debtor=claim.dossier.debtor,
            issue_date=D(2026, 11, 30),
            due_date=D(2027, 1, 14),
            amount=Decimal("345.67"),
        )
    with frozen(SENDING):
        preview = rendering.render_letter(notice)

    notice = _approve_and_deliver(claim, frozen, django_capture_on_commit_callbacks)

    assert notice.status == Reminder.Status.SENT
    sent = SentMessage.objects.get(reminder=notice)
    with sent.pdf.open("rb") as handle:
        pdf = handle.read()
    text = pdf_text(pdf)
    assert ", le 02/12/2026" in text and "16/11/2026" not in text
    assert "au plus tard le 14/12/2026" in text
    assert "Date limite de paiement : 14/12/2026" in text
    assert later.invoice_number not in text and "345,67" not in text
    assert claim.invoice_number in text
    assert pdf == preview
    assert Dossier.objects.get(pk=claim.dossier_id).formal_notice_sent_on == SENDING


@pytest.mark.django_db
def test_the_deadline_counts_the_policys_delivery_days(frozen):
    """The delivery time is a policy setting: with 5 working days, a notice of Wednesday
    02/12 is presumed received Wednesday 09/12, deadline 17/12."""
    claim = make_claim(frozen)
    from relances.planning import policy_for

    policy = policy_for(claim.dossier)
    policy.notice_delivery_working_days = 5
    policy.save()
    template = versions.template_for("mise-en-demeure-pro", Channel.REGISTERED_LETTER)
    document = rendering.render_document(template, claim.dossier, on=SENDING)
    assert "Date limite de paiement : 17/12/2026" in pdf_text(document.pdf)


@pytest.mark.django_db
def test_a_step_with_no_invoice_due_on_the_day_of_sending_is_cancelled_and_re_anchored(
    frozen, walk, django_capture_on_commit_callbacks
):
    """Seen: a consumer's notice demanded, as its only invoice, one not due until 30/12/2026
    (0 days late), opening with « Malgré nos relances ». The old invoice was paid while the
    notice waited for approval: at sending nothing is due, so nothing goes out; the step is
    cancelled with its reason and planned again from the new reference date (30/12 + 45 days
    = Saturday 13/02/2027 → Monday 15/02/2027)."""
    claim = make_claim(frozen, kind="consumer")
    walk_to(walk, claim, D(2026, 11, 16))
    with frozen(D(2026, 11, 17)):
        ClaimFactory(
            creditor=claim.creditor,
            debtor=claim.dossier.debtor,
            issue_date=D(2026, 11, 17),
            due_date=D(2026, 12, 30),
            amount=Decimal("250.00"),
        )
    with frozen(D(2026, 11, 20)):
        payment_record(
            dossier=claim.dossier,
            amount=Decimal("1200.00"),
            received_on=D(2026, 11, 20),
            actor=None,
        )

    notice = _approve_and_deliver(claim, frozen, django_capture_on_commit_callbacks)

    assert notice.status == Reminder.Status.CANCELLED and notice.reanchored
    assert "aucune facture échue au 02/12/2026" in notice.note
    assert not SentMessage.objects.filter(dossier=claim.dossier).filter(kind="formal_notice")
    dossier = Dossier.objects.get(pk=claim.dossier_id)
    assert dossier.formal_notice_sent_on is None
    assert dossier.next_action_at == D(2027, 2, 15)
    with frozen(D(2027, 2, 15)), django_capture_on_commit_callbacks(execute=True):
        services.run_cadence(on=D(2027, 2, 15))
    again = Reminder.objects.get(
        dossier=dossier, step__code="r45-mise-en-demeure", reanchored=False
    )
    assert again.status == Reminder.Status.PLANNED and again.scheduled_for == D(2027, 2, 15)


@pytest.mark.django_db
def test_a_professionals_notice_states_the_penalties_never_legal_interest(frozen, walk):
    """Between professionals the L441-10 penalties run and the engine adds no legal interest:
    the notice never says that legal interest runs from it (C. civ. 1231-6 is the consumer's)."""
    claim = make_claim(frozen)
    walk_to(walk, claim, D(2026, 11, 16))
    template = versions.template_for("mise-en-demeure-pro", Channel.REGISTERED_LETTER)
    text = pdf_text(rendering.render_document(template, claim.dossier, on=SENDING).pdf)
    assert "intérêts au taux légal courent" not in text and "1231-6" not in text
    assert "les pénalités de retard continuent de courir" in text
    assert "Indemnité forfaitaire" in text
    assert "Malgré nos relances" in text


@pytest.mark.django_db
def test_a_consumers_notice_without_prior_reminders_never_says_malgre_nos_relances(frozen):
    """A consumer's letter states legal interest from the notice, never the 40 € indemnity, and
    never « Malgré nos relances » when none went out."""
    claim = make_claim(frozen, kind="consumer")
    template = versions.template_for("mise-en-demeure-conso", Channel.REGISTERED_LETTER)
    text = pdf_text(rendering.render_document(template, claim.dossier, on=SENDING).pdf)
    assert "Malgré nos relances" not in text
    assert "intérêts au taux légal courent" in text and "1231-6" in text
    assert "ndemnité" not in text and "40,00 €" not in text


def _words(pdf: bytes) -> list[dict]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return document.pages[0].extract_words()


def _box(words, text):
    found = [w for w in words if w["text"] == text]
    assert found, f"« {text} » absent de la page"
    return found[0]


@pytest.mark.django_db
def test_the_test_banner_never_moves_the_address_block(frozen):
    """Seen: in test mode the « ENVOI DE TEST » banner pushed the creditor's block down, so
    that the recipient's address overlapped the creditor's address and SIREN. The address
    stays in the envelope's window, the creditor's block in place, and they never overlap."""
    claim = make_claim(frozen, kind="professional")
    debtor = claim.dossier.debtor
    template = versions.template_for("mise-en-demeure-pro", Channel.REGISTERED_LETTER)
    normal = _words(rendering.render_document(template, claim.dossier, on=SENDING).pdf)
    CreditorMessaging.objects.create(
        creditor=claim.creditor, test_mode=True, test_email="essai@example.fr"
    )
    dossier = Dossier.objects.select_related("creditor__messaging", "debtor").get(
        pk=claim.dossier_id
    )
    test = _words(rendering.render_document(template, dossier, on=SENDING).pdf)
    assert _box(test, "ENVOI")
    city = debtor.city.split()[0]
    siren = _box(test, "SIREN")
    for word in (debtor.postal_code, city, "SIREN"):
        before, after = _box(normal, word), _box(test, word)
        assert (round(before["x0"], 1), round(before["top"], 1)) == (
            round(after["x0"], 1),
            round(after["top"], 1),
        ), word
    # The address block starts below the creditor's block (SIREN line) in test mode too, and
    # the banner stays left of the envelope's window.
    name = _box(test, debtor.name.split()[0])
    assert name["top"] > siren["bottom"]
    banner = [w for w in test if w["text"] in ("ENVOI", "TEST")]
    assert all(w["x1"] < name["x0"] for w in banner)
