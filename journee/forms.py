"""The workspace's forms: validation of what a person types, with French messages.

Forms only check input; the rules of the business (a promise not above the balance, a plan that
covers the balance, a state that allows the action) are the services', whose ``ValidationError``
the views put back on the form.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django import forms
from django.contrib.auth import get_user_model

from accounts import roles
from dossiers.models import Claim, Dispute, Evidence, Payment
from legal import calendar
from legal.formatting import euros
from legal.minimisation import SensitiveTextMixin
from relances.models import CallLog, DelayReason

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0.01")}


def _date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DATE_INPUT, **kwargs)


def _reason_field(label: str = "Motif (figure au journal)", **kwargs) -> forms.CharField:
    return forms.CharField(label=label, max_length=300, **kwargs)


class WorkspaceForm(forms.Form):
    """Every workspace form knows the day it is filled in (``today``)."""

    def __init__(self, *args, today: date, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)


# --- The call, with the seeds' 10-step script --------------------------------------------------


class CallForm(SensitiveTextMixin, WorkspaceForm):
    sensitive_fields = ("contact_name", "debtor_said", "objections", "summary")
    outcome = forms.ChoiceField(
        label="Résultat de l'appel", choices=CallLog.Outcome.choices, widget=forms.RadioSelect
    )
    contact_name = forms.CharField(label="Nom de l'interlocuteur", max_length=200, required=False)
    contact_role = forms.ChoiceField(
        label="Fonction", choices=[("", "—"), *CallLog.ContactRole.choices], required=False
    )
    delay_reason = forms.ChoiceField(
        label="Motif du retard", choices=[("", "—"), *DelayReason.choices], required=False
    )
    debtor_said = forms.CharField(
        label="Ce que dit le débiteur (faits)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Des faits, jamais d'informations de santé ou de vie privée (RGPD).",
    )
    objections = forms.CharField(
        label="Objections et réponses apportées",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    commitment_amount = forms.DecimalField(label="Montant promis (€)", required=False, **MONEY)
    commitment_date = _date_field("Paiement promis pour le", required=False)
    plan_offered = forms.BooleanField(label="Échéancier proposé au débiteur", required=False)
    summary = forms.CharField(
        label="Compte rendu (récapitulatif donné au débiteur, suite annoncée)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def clean(self):
        data = super().clean()
        reached = data.get("outcome") == CallLog.Outcome.REACHED
        amount, when = data.get("commitment_amount"), data.get("commitment_date")
        if reached:
            if not data.get("contact_name"):
                self.add_error("contact_name", "Notez avec qui vous avez parlé (étape 2).")
            if not data.get("delay_reason"):
                self.add_error("delay_reason", "Indiquez le motif du retard (étape 4).")
        elif amount or when:
            self.add_error("outcome", "Un engagement suppose d'avoir joint l'interlocuteur.")
        if (amount is None) != (when is None):
            field = "commitment_date" if when is None else "commitment_amount"
            self.add_error(field, "Un engagement précis a un montant et une date (étape 7).")
        if when is not None and when < self.today:
            self.add_error("commitment_date", "La date promise est déjà passée.")
        return data


# --- Promise, payment, payment plan ----------------------------------------------------------


class PromiseForm(SensitiveTextMixin, WorkspaceForm):
    sensitive_fields = ("note",)
    amount = forms.DecimalField(label="Montant promis (€)", **MONEY)
    due_on = _date_field("Paiement promis pour le")
    note = forms.CharField(label="Commentaire", max_length=300, required=False)
    reason = _reason_field(initial="promesse de paiement obtenue")

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < self.today:
            raise forms.ValidationError("La date promise est déjà passée.")
        return due_on


class PaymentForm(WorkspaceForm):
    kind = forms.ChoiceField(label="Nature", choices=Payment.Kind.choices, initial="payment")
    amount = forms.DecimalField(label="Montant (€)", **MONEY)
    received_on = _date_field("Reçu le")
    method = forms.ChoiceField(
        label="Moyen de paiement",
        choices=[c for c in Payment.Method.choices if c[0] != Payment.Method.CREDIT_NOTE],
        initial=Payment.Method.TRANSFER,
        help_text="Ignoré pour un avoir.",
    )
    reference = forms.CharField(
        label="Référence (virement, chèque…)", max_length=100, required=False
    )
    invoices = forms.MultipleChoiceField(
        label="Factures désignées par le débiteur",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Le débiteur choisit la dette qu'il paie (C. civ. 1342-10) : les factures "
        "cochées sont soldées d'abord, le reste va aux plus anciennes. Sans choix, les plus "
        "anciennes d'abord.",
    )

    def __init__(self, *args, claims=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoices"].choices = [
            (
                claim.invoice_number,
                f"{claim.invoice_number} — échue le {claim.due_date:%d/%m/%Y}, reste dû "
                f"{euros(claim.outstanding)}",
            )
            for claim in claims
        ]

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > self.today:
            raise forms.ValidationError("La date ne peut pas être dans le futur.")
        return received_on


class PlanProposalForm(WorkspaceForm):
    """The parameters that generate a plan's installments (then edited one by one)."""

    INTERVALS = [("monthly", "Mensuelle"), ("biweekly", "Toutes les deux semaines")]

    total = forms.DecimalField(label="Montant à échelonner (€)", **MONEY)
    count = forms.IntegerField(label="Nombre d'échéances", min_value=1, max_value=24, initial=3)
    first_date = _date_field("Date de la première échéance")
    interval = forms.ChoiceField(label="Périodicité", choices=INTERVALS, initial="monthly")

    def clean_first_date(self):
        first = self.cleaned_data["first_date"]
        if first < self.today:
            raise forms.ValidationError("La première échéance ne peut pas être passée.")
        return first

    def installments(self) -> list[tuple[date, Decimal]]:
        """Equal installments, the cents left over on the last one; dates on working days."""
        data = self.cleaned_data
        total, count = data["total"], data["count"]
        share = (total / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        rows = []
        for index in range(count):
            if data["interval"] == "monthly":
                day = calendar.add_months(data["first_date"], index)
            else:
                day = data["first_date"] + timedelta(weeks=2 * index)
            amount = share if index < count - 1 else total - share * (count - 1)
            rows.append((calendar.roll_forward(day), amount))
        return rows


class InstallmentForm(forms.Form):
    due_on = _date_field("Échéance")
    amount = forms.DecimalField(label="Montant (€)", **MONEY)


InstallmentFormSet = forms.formset_factory(
    InstallmentForm, extra=0, min_num=1, validate_min=True, max_num=24, validate_max=True
)


class PlanAcceptForm(SensitiveTextMixin, WorkspaceForm):
    sensitive_fields = ("note",)
    ACCEPTANCE = [
        ("écrit signé", "Par écrit signé"),
        ("courriel", "Par courriel"),
        ("téléphone", "Au téléphone (confirmation écrite à obtenir)"),
    ]
    accepted_by = forms.ChoiceField(label="Acceptation du débiteur", choices=ACCEPTANCE)
    acknowledged = forms.BooleanField(
        label="Le débiteur a accepté cet échéancier : il reconnaît la dette (C. civ. 2240).",
        required=True,
    )
    note = forms.CharField(
        label="Contexte (difficultés, engagements)", max_length=200, required=False
    )


# --- Disputes ---------------------------------------------------------------------------------


class DisputeOpenForm(SensitiveTextMixin, WorkspaceForm):
    sensitive_fields = ("description",)
    reason_code = forms.ChoiceField(
        label="Motif de la contestation", choices=Dispute.Reason.choices
    )
    claim = forms.ModelChoiceField(
        label="Facture contestée",
        queryset=Claim.objects.none(),
        required=False,
        empty_label="Toutes",
    )
    description = forms.CharField(
        label="Description", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claim"].queryset = dossier.claims.open().order_by("due_date")


class DisputeResolveForm(SensitiveTextMixin, WorkspaceForm):
    sensitive_fields = ("resolution",)
    MAINTAINED = "maintained"
    RESENT = "resent"
    CANCELLED = "cancelled"
    CORRECTED = "corrected"
    OUTCOMES = [
        (MAINTAINED, "Non fondée : la facture est maintenue"),
        (RESENT, "Facture renvoyée au débiteur : la facture est maintenue"),
        (CANCELLED, "Fondée : la facture est annulée"),
        (CORRECTED, "Erreur de facturation : la facture est remplacée par une facture corrigée"),
    ]
    outcome = forms.ChoiceField(label="Issue", choices=OUTCOMES, widget=forms.RadioSelect)
    resolution = forms.CharField(
        label="Motivation (figure au journal)", widget=forms.Textarea(attrs={"rows": 2})
    )
    invoice_number = forms.CharField(
        label="N° de la facture corrigée", max_length=50, required=False
    )
    amount = forms.DecimalField(label="Montant TTC corrigé (€)", required=False, **MONEY)
    issue_date = _date_field("Émise le", required=False)
    due_date = _date_field("Échéance", required=False)

    def __init__(self, *args, dispute: Dispute, **kwargs):
        super().__init__(*args, **kwargs)
        self.dispute = dispute
        allowed = {self.MAINTAINED, self.CANCELLED}
        if dispute.reason == Dispute.Reason.NOT_RECEIVED:
            allowed.add(self.RESENT)
        if dispute.reason == Dispute.Reason.INVOICE_ERROR:
            allowed.add(self.CORRECTED)
        self.fields["outcome"].choices = [c for c in self.OUTCOMES if c[0] in allowed]
        if self.CORRECTED not in allowed:
            for name in ("invoice_number", "amount", "issue_date", "due_date"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome in (self.CANCELLED, self.CORRECTED) and not self.dispute.claim_id:
            self.add_error("outcome", "Indiquez d'abord la facture contestée : aucune n'est liée.")
        if outcome == self.CORRECTED:
            for name in ("invoice_number", "amount", "issue_date", "due_date"):
                if not data.get(name):
                    self.add_error(name, "Obligatoire pour une facture corrigée.")
            issued, due = data.get("issue_date"), data.get("due_date")
            if issued and due and due < issued:
                self.add_error("due_date", "L'échéance ne peut pas précéder l'émission.")
        return data


# --- Evidence, hold, assignment, tasks, decisions ---------------------------------------------


class EvidenceForm(SensitiveTextMixin, WorkspaceForm):
    sensitive_fields = ("description",)
    file = forms.FileField(label="Fichier")
    kind = forms.ChoiceField(label="Nature de la pièce", choices=Evidence.Kind.choices)
    claim = forms.ModelChoiceField(
        label="Facture concernée", queryset=Claim.objects.none(), required=False, empty_label="—"
    )
    description = forms.CharField(label="Description", max_length=300, required=False)

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claim"].queryset = dossier.claims.order_by("due_date")


class HoldForm(SensitiveTextMixin, WorkspaceForm):
    sensitive_fields = ("reason",)
    until = _date_field("En attente jusqu'au")
    reason = _reason_field("Motif de la mise en attente")

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until < self.today:
            raise forms.ValidationError("La date de fin est déjà passée.")
        return until


class ReasonForm(WorkspaceForm):
    reason = _reason_field()


class AccessoriesWaiverForm(SensitiveTextMixin, WorkspaceForm):
    sensitive_fields = ("reason",)

    reason = _reason_field("Motif de l'abandon (figure au journal)")


class AssignForm(WorkspaceForm):
    assignee = forms.ModelChoiceField(
        label="Chargé(e) de recouvrement",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Non attribué",
    )
    reason = _reason_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            get_user_model()
            .objects.filter(groups__name=roles.CONTROLLER, is_active=True)
            .order_by("last_name", "username")
        )
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.username
