"""Admin screens, in French, for every model of the dossiers app.

Writes that carry business rules (a new invoice, a payment, a piece of evidence) go through the
same services as the API, so that the dossier is opened or joined, payments are allocated and
the journal records who and why.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseNotAllowed
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from accounts import roles
from dossiers import scoping, selectors, services
from dossiers.models import (
    Claim,
    Creditor,
    Debtor,
    DebtorContact,
    Dispute,
    Dossier,
    EcbRate,
    Evidence,
    Installment,
    LegalInterestRate,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    PrescriptionEvent,
    Promise,
    Task,
)
from dossiers.services import work
from journal import admin as journal_admin
from journal.models import ChainLink
from legal.formatting import euros, french_date

ADMIN_REASON = "modification dans l'administration"


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """The raw-id box names the chosen object only when the user may see it (a typed id of
    another portfolio shows nothing)."""

    def __init__(self, rel, admin_site, *, scope, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.scope = scope

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            visible = value not in (None, "") and self.scope.filter(**{key: value}).exists()
        except (TypeError, ValueError, ValidationError):
            visible = False
        return super().label_and_url_for_value(value) if visible else ("", "")


class ScopedAdminMixin:
    """The admin shows and changes only what ``dossiers.scoping`` allows, on every screen.

    - list, change, delete, raw-id popup and autocomplete start from ``get_queryset``: an
      object out of the user's scope is not found there, whatever its id;
    - history (``history_view``) and history detail (``history_form_view``) answer 404 for an
      object out of scope, even a deleted one (only those who read every dossier see the
      history of a deleted row); the history detail is read-only (a POST is refused);
    - change and delete need the object in the **editable** scope (never a closed dossier's,
      never the DPO's), the delete action likewise;
    - a key to a dossier, a debtor or a creditor offers (and accepts) only objects in the
      user's editable scope, and a raw-id box names only an object the user may see;
    - ``admin_roles`` limits the screens to some roles (e.g. the day's letter batch).

    Every admin of a model that is dossier-bound or names a person uses it:
    ``tests/accounts/test_admin_scope.py`` walks the registry and fails otherwise.
    """

    admin_roles: tuple[str, ...] | None = None

    def _role_allows(self, request) -> bool:
        return self.admin_roles is None or roles.has_role(request.user, *self.admin_roles)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if scoping.is_scoped(self.model):
            queryset = scoping.restrict(queryset, request.user)
        return queryset

    def _in_scope(self, request, obj, *, editable: bool) -> bool:
        if obj is None or obj.pk is None or not scoping.is_scoped(self.model):
            return True
        cache = request.__dict__.setdefault("_admin_scope", {})
        key = (self.model._meta.label, obj.pk, editable)
        if key not in cache:
            rows = self.model._default_manager.filter(pk=obj.pk)
            cache[key] = scoping.restrict(rows, request.user, editable=editable).exists()
        return cache[key]

    def has_module_permission(self, request):
        return self._role_allows(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return (
            self._role_allows(request)
            and super().has_view_permission(request, obj)
            and self._in_scope(request, obj, editable=False)
        )

    def has_add_permission(self, request, *args):
        return self._role_allows(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return (
            self._role_allows(request)
            and super().has_change_permission(request, obj)
            and self._in_scope(request, obj, editable=True)
        )

    def has_delete_permission(self, request, obj=None):
        return (
            self._role_allows(request)
            and super().has_delete_permission(request, obj)
            and self._in_scope(request, obj, editable=True)
        )

    def delete_queryset(self, request, queryset):
        if scoping.is_scoped(self.model):
            queryset = scoping.restrict(queryset, request.user, editable=True)
        super().delete_queryset(request, queryset)

    def _history_object_or_404(self, request, object_id) -> None:
        """The history of an object is shown to whoever may see the object."""
        if not self._role_allows(request):
            raise PermissionDenied
        if not scoping.is_scoped(self.model) or scoping.sees_every_dossier(request.user):
            return
        try:
            found = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (TypeError, ValueError, ValidationError):
            found = False
        if not found:
            raise Http404("Objet introuvable.")

    def history_view(self, request, object_id, extra_context=None):
        self._history_object_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The history is a record: it is read, never reverted from the admin.
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        self._history_object_or_404(request, object_id)
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if scoping.is_scoped(related) and "queryset" not in kwargs:
            scope = scoping.restrict(related._default_manager.all(), request.user, editable=True)
            kwargs["queryset"] = scope
            if db_field.name in self.raw_id_fields and "widget" not in kwargs:
                kwargs["widget"] = ScopedRawIdWidget(
                    db_field.remote_field,
                    self.admin_site,
                    scope=scoping.restrict(related._default_manager.all(), request.user),
                    using=kwargs.get("using"),
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class JournaledAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Every admin save leaves a history row with its user (middleware) and a reason."""

    def save_model(self, request, obj, form, change):
        obj._change_reason = ADMIN_REASON if change else "création dans l'administration"
        super().save_model(request, obj, form, change)


@admin.register(Creditor)
class CreditorAdmin(JournaledAdmin):
    list_display = ["legal_name", "siren", "city", "legal_basis", "is_collection_agency"]
    list_filter = ["legal_basis", "is_collection_agency"]
    search_fields = ["legal_name", "siren"]
    fieldsets = [
        (
            "Identité",
            {"fields": ["legal_name", "siren", "vat_number", "is_collection_agency"]},
        ),
        (
            "Adresse",
            {"fields": ["address_line1", "address_line2", "postal_code", "city", "country"]},
        ),
        ("Règlement", {"fields": ["iban", "bic", "contractual_penalty_rate"]}),
        ("Contact recouvrement", {"fields": ["contact_email", "contact_phone"]}),
        (
            "RGPD",
            {"fields": ["legal_basis", "balancing_test", "dpo_contact", "privacy_policy_url"]},
        ),
        ("Portefeuille", {"fields": ["managers", "unassigned_pool_open"]}),
    ]
    filter_horizontal = ["managers"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "managers":
            kwargs["queryset"] = db_field.related_model.objects.filter(
                groups__name=roles.MANAGER
            ).order_by("last_name", "username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class DebtorContactInline(admin.TabularInline):
    """Contacts are added and corrected here (journaled with a reason); never deleted: a
    contact is evidence of who was written to, and a person's data is erased by the GDPR purge
    or rectified by the DPO (``rgpd.services.contact_rectify``)."""

    model = DebtorContact
    extra = 0
    can_delete = False


INSOLVENCY_HELP = (
    "Ne se modifie pas ici : un jugement d'ouverture s'enregistre par l'import des jugements "
    "BODACC (Imports › Jugements BODACC, service « insolvency_open ») : les dossiers passent en "
    "procédure collective, les relances prévues sont annulées et la tâche de déclaration de "
    "créance est créée."
)
RESTRICTION_HELP = (
    "Ne se modifie pas ici : la limitation du traitement (RGPD art. 18) se pose ou se lève par "
    "le DPO sur la {} (service « restriction_set ») : les relances prévues sont annulées et la "
    "décision est journalisée."
)


@admin.register(Debtor)
class DebtorAdmin(JournaledAdmin):
    """A debtor's identity and address are edited here; what has a service — a collective
    procedure, a GDPR restriction — is shown read-only with the way to change it."""

    list_display = ["name", "kind", "siren", "city", "insolvency_status", "processing_restricted"]
    list_filter = ["kind", "insolvency_status", "processing_restricted"]
    search_fields = ["name", "siren", "contacts__email"]
    inlines = [DebtorContactInline]
    exclude = ["insolvency_status", "insolvency_opened_on", "processing_restricted"]
    readonly_fields = ["insolvency", "restriction"]

    @admin.display(description="procédure collective")
    def insolvency(self, obj):
        value = obj.get_insolvency_status_display() if obj and obj.pk else "Aucune"
        if obj and obj.insolvency_opened_on:
            value = f"{value} (jugement du {french_date(obj.insolvency_opened_on)})"
        return format_html('{}<div class="help">{}</div>', value, INSOLVENCY_HELP)

    @admin.display(description="traitement limité (RGPD art. 18)")
    def restriction(self, obj):
        value = "Oui" if obj and obj.processing_restricted else "Non"
        if obj is None or obj.pk is None:
            page = "fiche RGPD du débiteur"
            return format_html('{}<div class="help">{}</div>', value, RESTRICTION_HELP.format(page))
        link = format_html(
            '<a href="{}">fiche RGPD du débiteur</a>', reverse("rgpd:debtor", args=[obj.pk])
        )
        return format_html(
            '{}<div class="help">{}</div>', value, format_html(RESTRICTION_HELP, link)
        )

    def save_formset(self, request, form, formset, change):
        # Contacts are never deleted here (``can_delete = False``): saved with a reason only.
        for instance in formset.save(commit=False):
            instance._change_reason = ADMIN_REASON
            instance.save()


class ClaimInline(admin.TabularInline):
    model = Claim
    extra = 0
    can_delete = False
    fields = ["invoice_number", "issue_date", "due_date", "amount", "outstanding", "cancelled_on"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = ["kind", "received_on", "amount", "method", "reference"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(JournaledAdmin):
    list_display = [
        "reference",
        "creditor",
        "debtor",
        "state",
        "balance_display",
        "claim_count",
        "assigned_to",
        "next_action_at",
    ]
    list_filter = ["state", "creditor", "assigned_to", "debtor__kind"]
    search_fields = ["reference", "debtor__name", "debtor__siren", "claims__invoice_number"]
    list_select_related = ["creditor", "debtor", "assigned_to"]
    readonly_fields = [
        "creditor",
        "debtor",
        "reference",
        "state",
        "resume_state",
        "reference_date",
        "next_action_at",
        "cycle",
        "opened_on",
        "closed_on",
        "prescription_alerts",
    ]
    fields = [
        "reference",
        "creditor",
        "debtor",
        "state",
        "resume_state",
        "reference_date",
        "next_action_at",
        "cycle",
        "assigned_to",
        "opened_on",
        "closed_on",
        "prescription_alerts",
    ]
    inlines = [ClaimInline, PaymentInline]
    date_hierarchy = "opened_on"

    def get_queryset(self, request):
        # Scalar subqueries, not aggregates over a join: a search on a dossier's invoices
        # (``claims__invoice_number``) joins its claims again, and a join-based sum would count
        # each claim once per claim joined (« Leroy » read twice its balance).
        claims = Claim.objects.filter(dossier=OuterRef("pk")).order_by().values("dossier")
        return (
            super()
            .get_queryset(request)
            .annotate(
                _balance=Subquery(
                    claims.annotate(total=Sum("outstanding")).values("total"),
                    output_field=DecimalField(max_digits=14, decimal_places=2),
                ),
                _claims=Coalesce(
                    Subquery(
                        claims.annotate(n=Count("pk")).values("n"), output_field=IntegerField()
                    ),
                    0,
                ),
            )
        )

    @admin.display(description="reste dû", ordering="_balance")
    def balance_display(self, obj):
        return euros(obj._balance)

    @admin.display(description="factures", ordering="_claims")
    def claim_count(self, obj):
        return obj._claims

    def has_add_permission(self, request):
        # A dossier opens when its first claim is recorded.
        return False

    def save_model(self, request, obj, form, change):
        # The one field edited here, the assignee, goes through the service (open tasks follow,
        # a closed dossier is refused, the history says who and why).
        if change and "assigned_to" in form.changed_data:
            work.dossier_assign(
                dossier=Dossier.objects.get(pk=obj.pk),
                assignee=form.cleaned_data["assigned_to"],
                actor=request.user,
                reason="attribution dans l'administration",
            )

    @admin.display(description="alertes de prescription")
    def prescription_alerts(self, obj):
        """Invoices prescribed, or prescribed within 90, 30 or 7 days (docs/legal.md §3)."""
        if obj.pk is None:
            return "—"
        warnings = selectors.prescription_warnings(queryset=Claim.objects.filter(dossier=obj))
        lines = [
            (f.claim.invoice_number, french_date(f.prescription.date), "déjà prescrite")
            for f in warnings.prescribed
        ] + [
            (f.claim.invoice_number, french_date(f.prescription.date), f"dans {f.days_left} jours")
            for f in warnings.flags
        ]
        if not lines:
            return "Aucune facture proche de la prescription."
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>Facture {} : prescription au {} ({})</li>", lines),
        )


class ClaimAddForm(forms.ModelForm):
    """New invoice: the creditor and debtor pick the dossier (opened or joined on save)."""

    debtor = forms.ModelChoiceField(queryset=Debtor.objects.none(), label="débiteur")
    user = None  # set per request by ``ClaimAdmin.get_form``

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["debtor"].queryset = scoping.debtors_to_record_for(self.user)

    def clean(self):
        data = super().clean()
        creditor, debtor = data.get("creditor"), data.get("debtor")
        if (
            creditor
            and debtor
            and not scoping.may_record_claim(self.user, creditor=creditor, debtor=debtor)
        ):
            raise ValidationError(
                "Ce débiteur a un dossier ouvert chez ce créancier hors de votre périmètre : "
                "demandez à son responsable de vous l'affecter."
            )
        return data

    class Meta:
        model = Claim
        fields = [
            "creditor",
            "debtor",
            "invoice_number",
            "issue_date",
            "due_date",
            "amount",
            "contract_ref",
            "purchase_order_ref",
            "delivery_note_ref",
        ]


class ClaimFiguresChangeList(ChangeList):
    """Computes the legal figures of the listed page's claims with one rate table."""

    def get_results(self, request):
        super().get_results(request)
        rates = selectors.rate_table()
        today = timezone.localdate()
        for claim in self.result_list:
            claim.figures = selectors.claim_legal_figures(claim, on=today, rates=rates)


FIGURE_FIELDS = [
    "figures_on",
    "days_overdue",
    "late_penalties",
    "recovery_indemnity",
    "legal_interest",
    "total_due",
    "prescription",
    "prescription_trail",
    "figures_messages",
]


@admin.register(Claim)
class ClaimAdmin(JournaledAdmin):
    list_display = [
        "invoice_number",
        "creditor",
        "debtor_name",
        "issue_date",
        "due_date",
        "amount",
        "outstanding",
        "total_due",
        "prescription_date",
        "cancelled_on",
    ]
    list_filter = ["creditor", "due_date", "dossier__debtor__kind"]
    search_fields = ["invoice_number", "dossier__debtor__name", "dossier__reference"]
    list_select_related = ["creditor", "dossier__debtor"]
    date_hierarchy = "due_date"
    readonly_fields = [
        "dossier",
        "outstanding",
        "currency",
        "cancelled_on",
        "cancellation_reason",
        *FIGURE_FIELDS,
    ]

    def get_queryset(self, request):
        return selectors.claims_for_figures(super().get_queryset(request))

    def get_changelist(self, request, **kwargs):
        return ClaimFiguresChangeList

    @admin.display(description="débiteur", ordering="dossier__debtor__name")
    def debtor_name(self, obj):
        return obj.dossier.debtor.name

    # --- Legal figures (legal), at today's date ---

    def _figures(self, obj):
        if getattr(obj, "figures", None) is None:
            obj.figures = selectors.claim_legal_figures(obj)
        return obj.figures

    @staticmethod
    def _amount(value):
        return euros(value) if value is not None else "taux manquant"

    @admin.display(description="calculé au")
    def figures_on(self, obj):
        return french_date(self._figures(obj).on)

    @admin.display(description="jours de retard")
    def days_overdue(self, obj):
        return self._figures(obj).days_overdue

    @admin.display(description="pénalités de retard (C. com. L441-10)")
    def late_penalties(self, obj):
        return self._amount(self._figures(obj).late_penalties)

    @admin.display(description="indemnité forfaitaire (D441-5)")
    def recovery_indemnity(self, obj):
        return euros(self._figures(obj).recovery_indemnity)

    @admin.display(description="intérêts au taux légal (C. civ. 1231-6)")
    def legal_interest(self, obj):
        return self._amount(self._figures(obj).legal_interest)

    @admin.display(description="total exigible")
    def total_due(self, obj):
        return self._amount(self._figures(obj).total_due)

    @admin.display(description="prescription")
    def prescription_date(self, obj):
        figures = self._figures(obj)
        return french_date(figures.prescription_date) or "—"

    @admin.display(description="prescription et motif")
    def prescription(self, obj):
        figures = self._figures(obj)
        if figures.prescription is None:
            return "—"
        text = f"{french_date(figures.prescription_date) or 'suspendue'} — "
        text += figures.prescription_reason
        if figures.prescription_assumption:
            text += f" ({figures.prescription_assumption})"
        return text

    @admin.display(description="historique de la prescription")
    def prescription_trail(self, obj):
        trail = self._figures(obj).prescription_trail
        if not trail:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} — {} : {}</li>",
                ((entry["date"], entry["evenement"], entry["effet"]) for entry in trail),
            ),
        )

    @admin.display(description="avertissements")
    def figures_messages(self, obj):
        figures = self._figures(obj)
        return " ".join([*figures.errors, *figures.missing_rates, *figures.notes]) or "—"

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # An issued invoice is never rewritten: corrections are credit notes or cancellations.
        return [
            *self.readonly_fields,
            "creditor",
            "invoice_number",
            "issue_date",
            "due_date",
            "amount",
        ]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ClaimAddForm.Meta.fields})]
        fields = [f for f in self.get_fields(request, obj) if f not in FIGURE_FIELDS]
        return [
            (None, {"fields": fields}),
            ("Montants exigibles et prescription", {"fields": FIGURE_FIELDS}),
        ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = type("ClaimAddForm", (ClaimAddForm,), {"user": request.user})
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        created = services.claim_create(
            creditor=data["creditor"],
            debtor=data["debtor"],
            invoice_number=data["invoice_number"],
            issue_date=data["issue_date"],
            due_date=data["due_date"],
            amount=data["amount"],
            contract_ref=data.get("contract_ref", ""),
            purchase_order_ref=data.get("purchase_order_ref", ""),
            delivery_note_ref=data.get("delivery_note_ref", ""),
            actor=request.user,
            reason="enregistrement dans l'administration",
        )
        obj.pk = created.pk
        obj.dossier = created.dossier


class PaymentAllocationInline(admin.TabularInline):
    model = PaymentAllocation
    extra = 0
    can_delete = False
    readonly_fields = ["claim", "amount"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(JournaledAdmin):
    list_display = ["received_on", "kind", "amount", "method", "dossier", "reference"]
    list_filter = ["kind", "method", "received_on"]
    search_fields = ["reference", "dossier__reference", "dossier__debtor__name"]
    list_select_related = ["dossier"]
    raw_id_fields = ["dossier"]
    fields = ["dossier", "kind", "amount", "received_on", "method", "reference"]
    inlines = [PaymentAllocationInline]

    def get_readonly_fields(self, request, obj=None):
        # A recorded payment is a fact: it is never edited; a mistake is corrected by an entry.
        return self.fields if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            created = services.payment_record(
                dossier=obj.dossier,
                amount=obj.amount,
                received_on=obj.received_on,
                method=obj.method,
                reference=obj.reference,
                kind=obj.kind,
                actor=request.user,
                reason="enregistrement dans l'administration",
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            raise
        obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        # Allocations are made by the service, not by the inline.
        pass


@admin.register(Evidence)
class EvidenceAdmin(JournaledAdmin):
    list_display = ["original_name", "kind", "dossier", "sha256", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["original_name", "sha256", "dossier__reference"]
    list_select_related = ["dossier", "uploaded_by"]
    raw_id_fields = ["dossier", "claim"]
    readonly_fields = ["sha256", "uploaded_by", "uploaded_at", "original_name"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "dossier", "claim", "kind", "file"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = services.evidence_add(
            dossier=obj.dossier,
            claim=obj.claim,
            file=form.cleaned_data["file"],
            kind=obj.kind,
            description=obj.description,
            actor=request.user,
            reason="dépôt dans l'administration",
        )
        obj.pk = created.pk


class ReadOnlyJournaledAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Lists for follow-up; these records change only through the dossier's actions."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Promise)
class PromiseAdmin(ReadOnlyJournaledAdmin):
    list_display = ["dossier", "amount", "made_on", "due_on", "status", "settled_on"]
    list_filter = ["status", "due_on"]
    search_fields = ["dossier__reference", "dossier__debtor__name"]
    list_select_related = ["dossier"]


class InstallmentInline(admin.TabularInline):
    model = Installment
    extra = 0
    can_delete = False
    readonly_fields = ["due_on", "amount", "missed_on"]


@admin.register(PaymentPlan)
class PaymentPlanAdmin(ReadOnlyJournaledAdmin):
    list_display = ["dossier", "accepted_on", "status", "ended_on"]
    list_filter = ["status"]
    search_fields = ["dossier__reference", "dossier__debtor__name"]
    list_select_related = ["dossier"]
    inlines = [InstallmentInline]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyJournaledAdmin):
    list_display = ["dossier", "claim", "reason", "opened_on", "status", "resolved_on"]
    list_filter = ["status", "reason"]
    search_fields = ["dossier__reference", "dossier__debtor__name", "claim__invoice_number"]
    list_select_related = ["dossier", "claim"]


@admin.register(Task)
class TaskAdmin(ReadOnlyJournaledAdmin):
    list_display = ["due_on", "kind", "dossier", "status", "assigned_to", "note"]
    list_filter = ["kind", "status", "assigned_to"]
    search_fields = ["dossier__reference", "dossier__debtor__name", "note"]
    list_select_related = ["dossier", "assigned_to"]
    date_hierarchy = "due_on"


# --- Reference rates and prescription ----------------------------------------------------------


@admin.register(LegalInterestRate)
class LegalInterestRateAdmin(JournaledAdmin):
    """The legal interest rate per half-year (C. mon. fin. L313-2): one row per arrêté."""

    list_display = [
        "half_year_label",
        "consumer_creditor_percent",
        "other_creditor_percent",
        "verified",
        "source",
    ]
    list_filter = ["verified"]
    search_fields = ["source"]
    fields = [
        "half_year_start",
        "half_year_end",
        "consumer_creditor_percent",
        "other_creditor_percent",
        "source",
        "verified",
    ]

    @admin.display(description="semestre", ordering="half_year_start")
    def half_year_label(self, obj):
        return obj.half_year.label

    def has_delete_permission(self, request, obj=None):
        # A rate once used in a computation stays; a wrong figure is corrected (journaled).
        return False


@admin.register(EcbRate)
class EcbRateAdmin(JournaledAdmin):
    """The ECB main refinancing rate, from each date (C. com. L441-10 II)."""

    list_display = ["effective_from", "rate_percent", "verified", "source"]
    list_filter = ["verified"]
    search_fields = ["source"]
    fields = ["effective_from", "rate_percent", "source", "verified"]
    date_hierarchy = "effective_from"

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PrescriptionEvent)
class PrescriptionEventAdmin(JournaledAdmin):
    """Acknowledgments and mediations (C. civ. 2238, 2240), recorded through the service."""

    list_display = ["occurred_on", "kind", "dossier", "claim", "recorded_by", "description"]
    list_filter = ["kind"]
    search_fields = ["dossier__reference", "dossier__debtor__name", "claim__invoice_number"]
    list_select_related = ["dossier", "claim", "recorded_by"]
    raw_id_fields = ["dossier", "claim"]
    fields = ["dossier", "claim", "kind", "occurred_on", "description"]

    def get_readonly_fields(self, request, obj=None):
        # A recorded act is a fact: it is never edited afterwards.
        return self.fields if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            created = services.prescription_event_record(
                dossier=obj.dossier,
                claim=obj.claim,
                kind=obj.kind,
                occurred_on=obj.occurred_on,
                description=obj.description,
                actor=request.user,
                reason="enregistrement dans l'administration",
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            raise
        obj.pk = created.pk


# --- The proof journal -------------------------------------------------------------------------
# Its links name their dossier. The journal, a lower layer, registers the read-only screen; the
# scope (a manager reads the links of their portfolio only) is added here.
admin.site.unregister(ChainLink)


@admin.register(ChainLink)
class ScopedChainLinkAdmin(ScopedAdminMixin, journal_admin.ChainLinkAdmin):
    pass
