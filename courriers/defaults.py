# ruff: noqa: E501 - the templates keep one paragraph per line, as an admin edits them
"""The default French templates, written for this product (docs/legal.md §4-§5).

Each body is the wording only: the layout adds the creditor's identity, the invoices with their
dates, amounts and days overdue, the penalties and the 40 EUR indemnity where the law allows
them, how to pay, who to contact, the R124-4 mentions and the GDPR notice. Variables are those
of ``courriers.versions.ALLOWED_VARIABLES``; where a name or a phrase meets the sentence, the
grammar filters of ``courriers.templatetags.francais`` contract and elide (« au titre
{{ invoices_phrase|de }} » → « au titre des factures … », « {{ creditor_name|de }} » →
« d'Atlantique »).
"""

from __future__ import annotations

PRO, CONSO, ANY = "professional", "consumer", ""

_INFORMAL = """{{ greeting }}

Sauf erreur de notre part, nous n'avons pas encore reçu le règlement {{ invoices_phrase|de }}, soit un solde de {{ unpaid_total }} (première échéance le {{ oldest_due_date }}).

Il s'agit peut-être d'un simple oubli : vous trouverez ci-dessous le détail et les moyens de paiement. Si votre règlement est déjà parti, merci de ne pas tenir compte de ce message.

Nous restons à votre disposition pour toute question.

Bien cordialement,
Le service recouvrement {{ creditor_name|de }}"""

_AMICABLE = """{{ greeting }}

Malgré notre précédent message, le règlement {{ invoices_phrase|de }} ne nous est pas parvenu : le solde de {{ unpaid_total }} reste dû, avec un retard de {{ max_days_overdue }} jours.

Nous vous remercions de bien vouloir procéder au règlement dans les meilleurs délais, par virement ou au moyen du lien de paiement indiqué ci-dessous.

Si vous rencontrez une difficulté, ou si vous contestez tout ou partie de ces sommes, contactez-nous : nous chercherons ensemble une solution.

Bien cordialement,
Le service recouvrement {{ creditor_name|de }}"""

_FIRM = """{{ greeting }}

Nos relances précédentes sont restées sans réponse : le solde de {{ unpaid_total }} au titre {{ invoices_phrase|de }} reste dû, avec un retard de {{ max_days_overdue }} jours.

Nous vous demandons de régler cette somme avant le {{ deadline }}. À défaut, nous serons amenés à vous adresser une mise en demeure par lettre recommandée avec accusé de réception.

Si vous ne pouvez pas régler la totalité en une fois, un échéancier de paiement peut vous être proposé : contactez-nous avant cette date pour en convenir.

Veuillez agréer, {{ salutation }}, l'expression de nos salutations distinguées.
Le service recouvrement {{ creditor_name|de }}"""

_FORMAL_NOTICE = """{{ greeting }}

{% if reminded %}Malgré nos relances, le{% else %}Le{% endif %} solde dû au titre {{ invoices_phrase|de }}, détaillé ci-dessous, n'a pas été réglé.

Par la présente, nous vous mettons en demeure de régler la somme {{ total_due|de }} au plus tard le {{ deadline }}.

Cette lettre vaut mise en demeure au sens de l'article 1344 du Code civil. Si vous souhaitez convenir d'un échéancier, ou si vous contestez la créance, contactez-nous avant cette date.

Veuillez agréer, {{ salutation }}, l'expression de nos salutations distinguées.
Le service recouvrement {{ creditor_name|de }}"""

_PLAN = """{{ greeting }}

Nous vous confirmons l'échéancier de paiement convenu le {{ plan_accepted_on }} pour le dossier {{ reference }} :
{% for i in plan_installments %}
- échéance n° {{ i.number }} : {{ i.amount }} au plus tard le {{ i.due_on }}{% endfor %}

Tant que les échéances sont respectées, aucune relance ne vous sera adressée. En cas de difficulté, prévenez-nous avant la date prévue.

Bien cordialement,
Le service recouvrement {{ creditor_name|de }}"""

_RECAP = """{{ greeting }}

Suite à notre entretien téléphonique du {{ call_date }}{% if call_contact %} avec {{ call_contact }}{% endif %}, nous vous confirmons les engagements pris :

- règlement de {{ commitment_amount }} au plus tard le {{ commitment_date }}, pour le dossier {{ reference }} ({{ invoice_numbers }}).

Nous vous remercions de votre engagement. Si un imprévu survient, contactez-nous avant cette date.

Bien cordialement,
Le service recouvrement {{ creditor_name|de }}"""

_DISPUTE = """{{ greeting }}

Nous avons bien reçu votre contestation du {{ dispute_opened_on }} concernant le dossier {{ reference }} ({{ dispute_reason }}).

Elle est en cours d'examen : aucune relance ne vous sera adressée sur les sommes contestées tant qu'elle n'est pas traitée. Nous reviendrons vers vous rapidement avec notre réponse.

Bien cordialement,
Le service recouvrement {{ creditor_name|de }}"""

_THANKS = """{{ greeting }}

Nous avons bien reçu votre règlement et nous vous en remercions.

Sommes reçues : {{ payments_received }}, soit {{ payments_total }} au total. Le solde du dossier {{ reference }} est désormais de {{ balance }} : il est entièrement réglé.

Bien cordialement,
Le service recouvrement {{ creditor_name|de }}"""

# Once the principal is paid late (professionals only): the penalties and the indemnity alone,
# each with its article (C. com. L441-10 II, D441-5); the layout lists them per invoice.
_ACCESSORIES_REMINDER = """{{ greeting }}

Nous vous remercions du règlement {{ invoices_phrase|de }}. Ce règlement nous est toutefois parvenu après l'échéance : entre professionnels, les pénalités de retard courent de plein droit jusqu'au paiement (article L441-10 II du Code de commerce) et une indemnité forfaitaire pour frais de recouvrement de 40 € est due pour chaque facture payée en retard (articles L441-10 II et D441-5 du Code de commerce).

Le détail figure ci-dessous : il reste {{ total_due }} à régler à ce titre. Nous vous remercions de procéder à ce règlement avant le {{ deadline }}.

Si vous contestez ce calcul, contactez-nous : nous l'examinerons avec vous.

Bien cordialement,
Le service recouvrement {{ creditor_name|de }}"""

_ACCESSORIES_LAST = """{{ greeting }}

Notre précédent message est resté sans réponse : les pénalités de retard et l'indemnité forfaitaire dues au titre {{ invoices_phrase|de }}, réglée(s) après l'échéance, restent impayées, soit {{ total_due }} (articles L441-10 II et D441-5 du Code de commerce).

Nous vous demandons de régler cette somme avant le {{ deadline }}. Si vous contestez ce calcul, ou si vous souhaitez en discuter, contactez-nous avant cette date.

Veuillez agréer, {{ salutation }}, l'expression de nos salutations distinguées.
Le service recouvrement {{ creditor_name|de }}"""

_SMS = (
    "{{ creditor_name }} : {{ invoices_count_text }} impayée(s), {{ unpaid_total }}. "
    "Merci de régler ou de nous contacter au {{ contact_phone }}."
)

# code, channel, debtor kind, template kind, label, subject, body
DEFAULT_TEMPLATES: list[tuple[str, str, str, str, str, str, str]] = []
for _suffix, _kind in (("pro", PRO), ("conso", CONSO)):
    DEFAULT_TEMPLATES += [
        (
            f"relance-informelle-{_suffix}",
            "email",
            _kind,
            "informal",
            "Relance informelle",
            "Rappel : facture(s) en attente de règlement — {{ reference }}",
            _INFORMAL,
        ),
        (
            f"relance-amiable-{_suffix}",
            "email",
            _kind,
            "amicable",
            "Relance amiable",
            "Relance : facture(s) impayée(s) — dossier {{ reference }}",
            _AMICABLE,
        ),
        (
            f"relance-ferme-{_suffix}",
            "email",
            _kind,
            "firm",
            "Relance ferme",
            "Relance ferme avant mise en demeure — dossier {{ reference }}",
            _FIRM,
        ),
        (
            f"relance-ferme-{_suffix}",
            "letter",
            _kind,
            "firm",
            "Relance ferme (courrier)",
            "Relance ferme avant mise en demeure — dossier {{ reference }}",
            _FIRM,
        ),
        (
            f"relance-avant-mise-en-demeure-{_suffix}",
            "letter",
            _kind,
            "firm",
            "Dernière relance avant mise en demeure",
            "Dernière relance avant mise en demeure — dossier {{ reference }}",
            _FIRM,
        ),
        (
            f"mise-en-demeure-{_suffix}",
            "registered_letter",
            _kind,
            "formal_notice",
            "Mise en demeure",
            "Mise en demeure de payer — dossier {{ reference }}",
            _FORMAL_NOTICE,
        ),
    ]
DEFAULT_TEMPLATES += [
    (
        "confirmation-echeancier",
        "email",
        ANY,
        "plan_confirmation",
        "Confirmation d'échéancier",
        "Confirmation de votre échéancier — dossier {{ reference }}",
        _PLAN,
    ),
    (
        "recapitulatif-appel",
        "email",
        ANY,
        "call_recap",
        "Récapitulatif des engagements après un appel",
        "Récapitulatif de notre entretien du {{ call_date }} — dossier {{ reference }}",
        _RECAP,
    ),
    (
        "accuse-contestation",
        "email",
        ANY,
        "dispute_ack",
        "Accusé de réception d'une contestation",
        "Votre contestation a bien été reçue — dossier {{ reference }}",
        _DISPUTE,
    ),
    (
        "remerciement",
        "email",
        ANY,
        "thank_you",
        "Remerciement après paiement",
        "Merci pour votre règlement — dossier {{ reference }}",
        _THANKS,
    ),
    ("relance-sms", "sms", ANY, "amicable", "Relance par SMS", "Relance SMS", _SMS),
    (
        "accessoires-rappel-pro",
        "email",
        PRO,
        "accessories",
        "Rappel des pénalités et de l'indemnité (principal réglé en retard)",
        "Pénalités de retard et indemnité forfaitaire — dossier {{ reference }}",
        _ACCESSORIES_REMINDER,
    ),
    (
        "accessoires-derniere-relance-pro",
        "letter",
        PRO,
        "accessories",
        "Dernière relance des pénalités et de l'indemnité",
        "Pénalités de retard et indemnité forfaitaire impayées — dossier {{ reference }}",
        _ACCESSORIES_LAST,
    ),
]
