"""The demo's data planner: French creditors, debtors and dossiers, each played through
``dossiers.services`` with the demo administrator as the actor, so that the history reads as if
the data had been entered by hand. All random choices come from one seeded ``random.Random``:
the same seed gives the same data, dated relative to today.

The seeder writes the creditors and debtors, then puts each dossier's life on an agenda (its
opening, its invoices, its payments, a credit note, a cancellation, a receivership...), each
event on its day; the cadence's part of the demo plays the agenda day by day under the moving
clock (``demo.clock``), between the daily runs, so that every row carries the day it stands for.
"""

import heapq
import itertools
import math
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from schwifty import IBAN

from accounts import roles
from demo.clock import DemoClock
from demo.pdf import invoice_pdf, plain_euros
from dossiers import services
from dossiers.models import (
    Claim,
    Creditor,
    Debtor,
    DebtorContact,
    Dossier,
    Evidence,
    LegalBasis,
    Payment,
)
from dossiers.validators import siren_check_digit

# Published on purpose: the demo logins are printed by the command and given to visitors.
DEMO_PASSWORD = "recouvrement-demo"  # noqa: S105

# username, role, first name, last name
DEMO_USERS = [
    ("controleur", roles.CONTROLLER, "Camille", "Martin"),
    ("responsable", roles.MANAGER, "Sophie", "Bernard"),
    ("dpo", roles.DPO, "Julien", "Petit"),
    ("admin", roles.ADMIN, "Nadia", "Lefèvre"),
]

BALANCING_TEST = (
    "Intérêt poursuivi : obtenir le paiement de factures échues et non contestées. "
    "Nécessité : seules l'identité, les coordonnées du débiteur et les factures concernées sont "
    "traitées. Mise en balance : le débiteur peut raisonnablement s'attendre à être relancé ; "
    "les relances sont proportionnées, limitées aux jours ouvrés et suspendues en cas de "
    "contestation ou de limitation du traitement."
)

# The bank code (with a branch) and the BIC of the same bank, as schwifty's registry has them.
CREDITORS = [
    {
        "legal_name": "Fournitures Industrielles du Rhône SAS",
        "address_line1": "18 quai Perrache",
        "postal_code": "69002",
        "city": "Lyon",
        "bank_code": "3000400821",
        "bic": "BNPAFRPP",
        "slug": "fir",
        "contractual_penalty_rate": Decimal("12.00"),
    },
    {
        "legal_name": "Atlantique Recouvrement SAS",
        "address_line1": "5 allée Duguay-Trouin",
        "postal_code": "44000",
        "city": "Nantes",
        "bank_code": "1751500100",
        "bic": "CEPAFRPP",
        "slug": "atlantique",
        "is_collection_agency": True,
    },
    {
        "legal_name": "Éditions Numériques de Provence SARL",
        "address_line1": "42 rue Paradis",
        "address_line2": "Bâtiment B",
        "postal_code": "13006",
        "city": "Marseille",
        "bank_code": "3000600215",
        "bic": "AGRIFRPP",
        "slug": "enp",
        "legal_basis": LegalBasis.LEGITIMATE_INTEREST,
        "balancing_test": BALANCING_TEST,
        # Its policy: no penalties nor indemnity claimed once the principal is paid (§11).
        "waives_accessories": True,
    },
]

CITIES = [
    ("Paris", "75011"), ("Lyon", "69003"), ("Marseille", "13008"), ("Toulouse", "31000"),
    ("Nantes", "44000"), ("Bordeaux", "33000"), ("Lille", "59000"), ("Strasbourg", "67000"),
    ("Rennes", "35000"), ("Montpellier", "34000"), ("Grenoble", "38000"), ("Dijon", "21000"),
    ("Angers", "49000"), ("Reims", "51100"), ("Tours", "37000"), ("Clermont-Ferrand", "63000"),
    ("Le Mans", "72000"), ("Limoges", "87000"), ("Rouen", "76000"), ("Nancy", "54000"),
    ("Metz", "57000"), ("Orléans", "45000"), ("Caen", "14000"), ("Brest", "29200"),
    ("Perpignan", "66000"), ("Annecy", "74000"), ("Besançon", "25000"), ("Poitiers", "86000"),
    ("La Rochelle", "17000"), ("Pau", "64000"),
]  # fmt: skip
STREETS = [
    "rue de la République", "avenue Jean Jaurès", "boulevard Victor Hugo", "rue Pasteur",
    "place du Général de Gaulle", "rue du Moulin", "chemin des Vignes", "rue des Écoles",
    "allée des Tilleuls", "rue Gambetta", "impasse des Lilas", "rue Nationale",
    "avenue de la Gare", "rue du Commerce", "rue Voltaire", "rue de la Paix",
]  # fmt: skip
ACTIVITIES = [
    "Boulangerie", "Transports", "Menuiserie", "Plomberie", "Imprimerie", "Garage",
    "Traiteur", "Électricité", "Maçonnerie", "Librairie", "Fromagerie", "Charpente",
    "Peinture", "Informatique",
]  # fmt: skip
SURNAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent",
    "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller",
    "Henry", "Roussel", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Fontaine",
]  # fmt: skip
FIRST_NAMES = [
    "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Claire", "Anne",
    "Isabelle", "Nathalie", "Céline", "Yasmine", "Hugo", "Lucas", "Louis", "Thomas", "Nicolas",
    "Antoine", "Maxime", "Pierre", "Olivier", "Philippe", "Éric", "Stéphane", "Karim", "Mehdi",
]  # fmt: skip

# The creditors and their customers (the debtors) were entered this long before the seed's day:
# before the oldest dossier (invoices fall due at most ~14 months back).
RECORDS_AGE_DAYS = 460
# When in a day each kind of event happens (hour), so that a day's rows read in a natural order:
# the daily run at dawn, the post in the morning, the office's work after.
OPENING_HOUR, INVOICE_HOUR, PAYMENT_HOUR, OFFICE_HOUR = 9, 9, 14, 11

PARTIAL, PAID, CREDIT_NOTE, CANCELLED, UNPAID = "partial", "paid", "credit_note", "cancelled", ""
CANCELLATION_REASONS = [
    "facture émise en double",
    "prestation non réalisée : contestation reconnue fondée par le créancier",
]
PAYMENT_METHODS = {
    Debtor.Kind.PROFESSIONAL: [Payment.Method.TRANSFER] * 3 + [Payment.Method.CHEQUE],
    Debtor.Kind.CONSUMER: [
        Payment.Method.CARD,
        Payment.Method.CHEQUE,
        Payment.Method.DIRECT_DEBIT,
        Payment.Method.TRANSFER,
    ],
}


def _ascii_slug(text: str, sep: str = ".") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return sep.join("".join(c if c.isalnum() else " " for c in plain).split())


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


@dataclass
class ClaimPlan:
    issue_date: date
    due_date: date
    amount: Decimal
    invoice_number: str = ""
    purchase_order_ref: str = ""
    claim: Claim | None = None  # once written


@dataclass
class DossierPlan:
    creditor: Creditor
    debtor: Debtor
    scenario: str
    claims: list[ClaimPlan]
    opened_on: date


@dataclass
class Tally:
    creditors: int = 0
    debtors: int = 0
    dossiers: int = 0
    claims: int = 0
    cancelled: int = 0
    payments: int = 0
    credit_notes: int = 0
    evidence: int = 0
    assigned: int = 0


class DemoSeeder:
    """Plans the demo data with one random generator, then writes it through the services."""

    def __init__(
        self, *, rng: random.Random, today: date, actor, controller, clock: DemoClock | None = None
    ) -> None:
        self.rng, self.today, self.actor, self.controller = rng, today, actor, controller
        self.clock = clock or DemoClock()
        self.tally = Tally()
        self.used: dict[str, set[str]] = {}
        self.agenda: list[tuple[date, int, int, Callable[[], None]]] = []
        self._order = itertools.count()
        # The payment model's learning, done by the walk's pool while the walk goes on
        # (``demo.scoring.learn_synthetic``); None: learnt at the end, in this process.
        self.learned: dict | None = None

    # --- the agenda ------------------------------------------------------------------------

    def schedule(self, day: date, hour: int, action: Callable[[], None]) -> None:
        """Do ``action`` on ``day`` at ``hour`` (events of one moment in the order given)."""
        heapq.heappush(self.agenda, (min(day, self.today), hour, next(self._order), action))

    def play_until(self, day: date) -> int:
        """Do every event due by ``day``, each under the clock at its own moment."""
        done = 0
        while self.agenda and self.agenda[0][0] <= day:
            when, hour, _, action = heapq.heappop(self.agenda)
            with self.clock.moment(when, hour):
                action()
            done += 1
        return done

    # --- identifiers and names -------------------------------------------------------------

    def unique(self, kind: str, make, *, exhausted=lambda value, count: f"{value} {count}"):
        """A value from ``make`` not yet used for ``kind``; ``exhausted`` when the pool runs dry."""
        used = self.used.setdefault(kind, set())
        value = make()
        for _ in range(100):
            if value not in used:
                break
            value = make()
        else:
            value = exhausted(value, len(used))
        used.add(value)
        return value

    def siren(self) -> str:
        def make():
            first_eight = str(self.rng.randint(30_000_000, 99_999_999))
            return first_eight + siren_check_digit(first_eight)

        return self.unique("siren", make)

    def phone(self) -> str:
        # ARCEP keeps 01 99 00 xx xx for fiction: no one can be called by mistake.
        return self.unique("phone", self.fictional_number, exhausted=lambda value, _: value)

    def fictional_number(self) -> str:
        number = self.rng.randint(0, 9999)
        return f"01 99 00 {number // 100:02d} {number % 100:02d}"

    def address(self) -> dict:
        city, postal_code = self.rng.choice(CITIES)
        return {
            "address_line1": f"{self.rng.randint(1, 120)} {self.rng.choice(STREETS)}",
            "postal_code": postal_code,
            "city": city,
        }

    def person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(SURNAMES)

    def email(self, local: str, domain: str) -> str:
        used = self.used.setdefault("email", set())
        address, count = f"{local}@{domain}", 1
        while address in used:
            count += 1
            address = f"{local}{count}@{domain}"
        used.add(address)
        return address

    def amount(self, low: int, high: int) -> Decimal:
        value = math.exp(self.rng.uniform(math.log(low), math.log(high)))
        return Decimal(f"{value:.2f}")

    def day_between(self, start: date, end: date) -> date:
        if start >= end:
            return min(start, self.today)
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    # --- creditors and debtors -------------------------------------------------------------

    def create_creditors(self) -> list[Creditor]:
        creditors = []
        for spec in CREDITORS:
            fields = dict(spec)
            slug, bank_code = fields.pop("slug"), fields.pop("bank_code")
            account = f"{self.rng.randint(0, 99_999_999_999):011d}"
            iban = IBAN.generate("FR", bank_code=bank_code, account_code=account)
            creditor = services.creditor_create(
                actor=self.actor,
                reason="créancier de démonstration",
                siren=self.siren(),
                iban=str(iban),
                contact_email=f"recouvrement.{slug}@example.fr",
                contact_phone=self.phone(),
                dpo_contact=f"dpo.{slug}@example.fr",
                privacy_policy_url=f"https://www.example.fr/{slug}/confidentialite",
                **fields,
            )
            creditors.append(creditor)
        self.tally.creditors = len(creditors)
        return creditors

    def create_debtor(self, index: int) -> Debtor:
        """Two debtors in three are companies; the first of each kind carries a special case."""
        consumer = index % 3 == 2
        extra = {}
        if consumer:
            name = self.unique("name", lambda: " ".join(self.person()))
            contacts = [
                {
                    "role": DebtorContact.Role.COLLECTION,
                    "name": name,
                    "email": self.email(_ascii_slug(name), "example.com"),
                    "phone": self.phone(),
                }
            ]
            if self.rng.random() < 0.3:
                extra["address_line2"] = f"Appartement {self.rng.randint(1, 40)}"
            kind, siren = Debtor.Kind.CONSUMER, ""
        else:
            name = self.unique(
                "name",
                lambda: " ".join(
                    (
                        self.rng.choice(ACTIVITIES),
                        self.rng.choice(SURNAMES),
                        self.rng.choice(("SARL", "SAS")),
                    )
                ),
            )
            first, last = self.person()
            person = _ascii_slug(f"{first} {last}")
            company = _ascii_slug(name.rsplit(" ", 1)[0], "-")
            contacts = [
                {
                    "role": DebtorContact.Role.COLLECTION,
                    "name": f"{first} {last}",
                    "email": self.email(f"{person}.{company}", "example.fr"),
                    "phone": self.phone(),
                },
                {
                    "role": DebtorContact.Role.BILLING,
                    "name": "Service comptabilité",
                    "email": self.email(f"compta.{company}", "example.fr"),
                    "phone": self.phone() if self.rng.random() < 0.5 else "",
                },
            ]
            kind, siren = Debtor.Kind.PROFESSIONAL, self.siren()
        fields = {**self.address(), **extra}
        debtor = services.debtor_create(
            actor=self.actor,
            reason="débiteur de démonstration",
            contacts=contacts,
            kind=kind,
            name=name,
            siren=siren,
            **fields,
        )
        self.tally.debtors += 1
        return debtor

    def schedule_special_cases(self, plans: list[DossierPlan]) -> None:
        """A company goes into receivership (recorded when the BODACC publishes it), a consumer
        asks for restriction: through the services, so their dossiers pause and the tasks
        appear. Each is a debtor whose dossier stays unpaid and is open by then."""
        opened_on = self.today - timedelta(days=self.rng.randint(20, 40))
        published_on = opened_on + timedelta(days=12)
        asked_on = self.today - timedelta(days=self.rng.randint(5, 15))

        def debtor_for(kind: str, by: date, other: Debtor | None = None) -> Debtor | None:
            for scenarios in ((UNPAID,), (UNPAID, PARTIAL)):
                for plan in plans:
                    if (
                        plan.debtor.kind == kind
                        and plan.scenario in scenarios
                        and plan.opened_on < by
                        and plan.debtor != other
                    ):
                        return plan.debtor
            return None

        insolvent = debtor_for(Debtor.Kind.PROFESSIONAL, opened_on)
        restricted = debtor_for(Debtor.Kind.CONSUMER, asked_on - timedelta(days=7), insolvent)

        def receivership():
            if insolvent is not None:
                services.insolvency_open(
                    debtor=insolvent,
                    kind=Debtor.Insolvency.RECEIVERSHIP,
                    opened_on=opened_on,
                    published_on=published_on,
                    actor=self.actor,
                )

        def restriction():
            if restricted is not None:
                services.restriction_set(
                    debtor=restricted,
                    restricted=True,
                    actor=self.actor,
                    reason="le débiteur conteste l'exactitude de ses données (art. 18 RGPD)",
                )

        self.schedule(published_on, OFFICE_HOUR, receivership)
        self.schedule(asked_on, OFFICE_HOUR, restriction)

    # --- plans -----------------------------------------------------------------------------

    def scenarios(self, count: int) -> list[str]:
        """What happens to each dossier after its invoices arrive, in shuffled order."""
        wanted = [PARTIAL, CREDIT_NOTE, CANCELLED, PAID, PAID]
        wanted += [PAID] * (count // 15)
        wanted += [PARTIAL] * max(0, round(count * 0.35) - 1)
        wanted = (wanted + [UNPAID] * count)[:count]
        self.rng.shuffle(wanted)
        return wanted

    def plan_dossier(self, creditor: Creditor, debtor: Debtor, scenario: str) -> DossierPlan:
        count = self.rng.choices((1, 2, 3, 4), weights=(4, 3, 2, 1))[0]
        if scenario == CANCELLED:
            count = max(count, 2)  # something must remain due once the invoice is cancelled
        # The oldest invoice is overdue (that is why the dossier exists); later ones may not be.
        # Ages spread so that the cadence finds dossiers at every step: most invoices fell due
        # in the last weeks, some months ago.
        ages = ((10, 40), (40, 90), (90, 180), (180, 425))
        low, high_age = self.rng.choices(ages, weights=(3, 5, 1, 1))[0]
        oldest = self.today - timedelta(days=self.rng.randint(low, high_age))
        issues = sorted([oldest] + [self.day_between(oldest, self.today) for _ in range(count - 1)])
        high = 25_000 if debtor.kind == Debtor.Kind.PROFESSIONAL else 3_000
        claims = []
        for issue in issues:
            claim = ClaimPlan(
                issue_date=issue,
                due_date=issue + timedelta(days=self.rng.choice((30, 45))),
                amount=self.amount(150, high),
            )
            if debtor.kind == Debtor.Kind.PROFESSIONAL and self.rng.random() < 0.5:
                claim.purchase_order_ref = f"BC-{self.rng.randint(10_000, 99_999)}"
            claims.append(claim)
        # The creditor hands an invoice over a few days after it falls due, before the first
        # reminder (7 days after); an invoice not yet due is handed over today.
        opened_on = min(self.today, claims[0].due_date + timedelta(days=self.rng.randint(1, 6)))
        return DossierPlan(creditor, debtor, scenario, claims, opened_on)

    def number_invoices(self, plans: list[DossierPlan]) -> None:
        """Each creditor numbers its invoices per year in date order, issuing a few a day (the
        gaps are the invoices paid on time, which never reach recovery)."""
        by_creditor: dict[int, list[ClaimPlan]] = {}
        for plan in plans:
            by_creditor.setdefault(plan.creditor.pk, []).extend(plan.claims)
        for claims in by_creditor.values():
            per_day = self.rng.uniform(0.5, 2.5)
            last: dict[int, int] = {}
            for claim in sorted(claims, key=lambda c: c.issue_date):
                year = claim.issue_date.year
                estimate = int(claim.issue_date.timetuple().tm_yday * per_day)
                last[year] = max(last.get(year, 0) + 1, estimate + self.rng.randint(1, 3))
                claim.invoice_number = f"FA-{year}-{last[year]:05d}"

    # --- writes ----------------------------------------------------------------------------

    def open_dossier(self, plan: DossierPlan, index: int) -> None:
        """On its opening day: the dossier, the invoices issued by then, a copy of the first,
        the assignment; the later invoices on their issue day, the scenario on its days."""
        dossier, _ = services.dossier_open_or_join(
            creditor=plan.creditor, debtor=plan.debtor, actor=self.actor, on=plan.opened_on
        )
        claims = [self.add_claim(plan, spec) for spec in plan.claims[:1]]
        first = claims[0]
        pdf = invoice_pdf(
            [
                plan.creditor.legal_name,
                f"FACTURE {first.invoice_number}",
                f"Date d'émission : {first.issue_date:%d/%m/%Y}",
                f"Échéance : {first.due_date:%d/%m/%Y}",
                f"Client : {plan.debtor.name}",
                f"Montant TTC : {plain_euros(first.amount)}",
                "Document de démonstration : données fictives.",
            ]
        )
        services.evidence_add(
            dossier=dossier,
            claim=first,
            kind=Evidence.Kind.INVOICE,
            file=ContentFile(pdf, name=f"facture-{first.invoice_number}.pdf"),
            description=f"Copie de la facture {first.invoice_number}",
            actor=self.actor,
            reason="pièce de démonstration",
        )
        for spec in plan.claims[1:]:
            if spec.issue_date <= plan.opened_on:
                claims.append(self.add_claim(plan, spec))
            else:
                self.schedule(
                    spec.issue_date, INVOICE_HOUR, lambda spec=spec: self.add_claim(plan, spec)
                )
        self.tally.dossiers += 1
        self.tally.evidence += 1
        self.assign(dossier, index)
        self.play(plan, dossier)

    def add_claim(self, plan: DossierPlan, spec: ClaimPlan) -> Claim:
        claim = services.claim_create(
            creditor=plan.creditor,
            debtor=plan.debtor,
            invoice_number=spec.invoice_number,
            issue_date=spec.issue_date,
            due_date=spec.due_date,
            amount=spec.amount,
            purchase_order_ref=spec.purchase_order_ref,
            actor=self.actor,
            reason=f"facture {spec.invoice_number} transmise par le créancier",
        )
        spec.claim = claim
        self.tally.claims += 1
        return claim

    def pay(self, dossier: Dossier, amount: Decimal, on: date, method: str, reason: str) -> None:
        oldest = dossier.claims.open().oldest_first().first()
        label = {
            Payment.Method.TRANSFER: "VIR SEPA",
            Payment.Method.CHEQUE: "CHQ",
            Payment.Method.CARD: "CB",
            Payment.Method.DIRECT_DEBIT: "PRLV SEPA",
        }[method]
        services.payment_record(
            dossier=dossier,
            amount=amount,
            received_on=on,
            method=method,
            reference=f"{label} {oldest.invoice_number}",
            actor=self.actor,
            reason=reason,
        )
        self.tally.payments += 1

    def play(self, plan: DossierPlan, dossier: Dossier) -> None:
        """Put the dossier's scenario on the agenda: payments, a credit note or a cancellation,
        each on its day (the amounts are read on that day, from the dossier as it then is)."""
        rng, today = self.rng, self.today
        methods = PAYMENT_METHODS[plan.debtor.kind]
        last_issue = plan.claims[-1].issue_date
        if plan.scenario == PARTIAL:
            on = self.day_between(plan.opened_on, today)
            for _ in range(rng.choice((1, 1, 2))):
                share, method = Decimal(rng.uniform(0.2, 0.7)), rng.choice(methods)
                self.schedule(
                    on, PAYMENT_HOUR, lambda s=share, m=method: self.pay_part(dossier, s, m)
                )
                on = self.day_between(on, today)
        elif plan.scenario == PAID:
            on = self.day_between(max(plan.opened_on, last_issue), today)
            second = self.day_between(on, today) if rng.random() < 0.5 else None
            self.schedule(on, PAYMENT_HOUR, lambda: self.pay_off(dossier, methods[0], second))
        elif plan.scenario == CREDIT_NOTE:
            spec = plan.claims[0]
            share = Decimal(rng.uniform(0.1, 0.3))
            number = f"AV-{today.year}-{rng.randint(1, 999):05d}"

            def credit_note():
                services.payment_record(
                    dossier=dossier,
                    kind=Payment.Kind.CREDIT_NOTE,
                    amount=(spec.amount * share).quantize(Decimal("0.01")),
                    received_on=timezone.localdate(),
                    reference=number,
                    actor=self.actor,
                    reason=f"avoir consenti après réclamation sur la facture {spec.invoice_number}",
                )
                self.tally.payments += 1
                self.tally.credit_notes += 1

            self.schedule(self.day_between(plan.opened_on, today), OFFICE_HOUR, credit_note)
        elif plan.scenario == CANCELLED:
            spec = plan.claims[-1]
            reason = rng.choice(CANCELLATION_REASONS)

            def cancel():
                services.claim_cancel(
                    claim=spec.claim, actor=self.actor, reason=reason, on=timezone.localdate()
                )
                self.tally.cancelled += 1

            day = self.day_between(max(plan.opened_on, spec.issue_date), today)
            self.schedule(day, OFFICE_HOUR, cancel)

    def pay_part(self, dossier: Dossier, share: Decimal, method: str) -> None:
        """A partial payment: round sums, as people pay, and less than the oldest invoice."""
        oldest = dossier.claims.open().oldest_first().first()
        if oldest is None:
            return
        part = oldest.outstanding * share
        amount = (part // 50 * 50 if part > 100 else part).quantize(Decimal("0.01"))
        label = Payment.Method(method).label.lower()
        self.pay(dossier, amount, timezone.localdate(), method, f"règlement partiel reçu ({label})")

    def pay_off(self, dossier: Dossier, method: str, second: date | None) -> None:
        """The balance paid: at once, or half now and the rest on ``second``."""
        # SQLite sums decimals as floats: back to cents.
        balance = Dossier.objects.with_balance().get(pk=dossier.pk).balance
        balance = balance.quantize(Decimal("0.01"))
        if balance <= 0:
            return
        on = timezone.localdate()
        if second is not None and balance > 200:
            first = (balance / 2).quantize(Decimal("1"))
            self.pay(dossier, first, on, method, "premier versement reçu")
            self.schedule(second, PAYMENT_HOUR, lambda: self.pay_off(dossier, method, None))
            return
        self.pay(dossier, balance, on, method, "solde du dossier réglé")

    def assign(self, dossier: Dossier, index: int) -> None:
        """Most dossiers go to the controller; one in eight waits in the unassigned queue."""
        if index % 8 == 7:
            return
        dossier = Dossier.objects.get(pk=dossier.pk)
        dossier.assigned_to = self.controller
        dossier._history_user = self.actor
        dossier._change_reason = "affectation de démonstration"
        dossier.save(update_fields=["assigned_to"])
        self.tally.assigned += 1

    def run(self, dossier_count: int) -> Tally:
        """Write the creditors and debtors (long ago), and put the dossiers on the agenda."""
        self.clock.at(self.today - timedelta(days=RECORDS_AGE_DAYS), OFFICE_HOUR)
        creditors = self.create_creditors()
        # A few companies owe to two creditors: debtors are shared across creditors.
        debtors = [self.create_debtor(i) for i in range(dossier_count - dossier_count // 8)]
        pairs = [(creditors[i % len(creditors)], debtor) for i, debtor in enumerate(debtors)]
        companies = [d for d in debtors if d.kind == Debtor.Kind.PROFESSIONAL] or debtors
        while len(pairs) < dossier_count:
            pair = (self.rng.choice(creditors), self.rng.choice(companies))
            if pair not in pairs:
                pairs.append(pair)
        plans = [
            self.plan_dossier(creditor, debtor, scenario)
            for (creditor, debtor), scenario in zip(
                pairs, self.scenarios(dossier_count), strict=True
            )
        ]
        self.number_invoices(plans)
        # Opening in date order gives each creditor's references in date order too.
        plans.sort(key=lambda plan: plan.opened_on)
        for index, plan in enumerate(plans):
            self.schedule(
                plan.opened_on,
                OPENING_HOUR,
                lambda plan=plan, index=index: self.open_dossier(plan, index),
            )
        self.schedule_special_cases(plans)
        return self.tally
