"""What the dashboard page and its exports show: the ``Dashboard`` the template reads, each KPI
as a labelled ``Table`` (columns, rows, footer, caption) and the data of its chart.

Apart from the maths (``pilotage.kpis``) so that the wording, the layout and the charts change
without touching a formula; ``pilotage.exports`` writes these same tables to CSV and XLSX.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dossiers.models import DossierState
from legal.calendar import MONTHS_FR
from pilotage.filters import Filters
from pilotage.kpis import AGING_BUCKETS, NOTICE_PIECES, PAYMENT_WINDOWS, Kpis
from pilotage.models import CostSettings
from relances.models import Channel


@dataclass
class Column:
    label: str
    kind: str = "text"  # text, int, money, percent, days, decimal


@dataclass
class Table:
    """One KPI table: what the page shows beside its chart, and what the exports write."""

    key: str
    title: str
    caption: str
    columns: list[Column]
    rows: list[list]
    chart: dict | None = None
    footer: list | None = None

    def chart_data(self) -> dict | None:
        return {"key": self.key, "title": self.title, **self.chart} if self.chart else None


@dataclass
class Dashboard:
    filters: Filters
    figures: dict = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    controllers: list = field(default_factory=list)
    costs: CostSettings | None = None
    # The current half-year's reference rates not recorded (French messages; the banner).
    rates_missing: list[str] = field(default_factory=list)

    def charts(self) -> list[dict]:
        return [t.chart_data() for t in self.tables.values() if t.chart]


def _as_float(value):
    return None if value is None else float(value)


def _chart(kind: str, labels, datasets, unit: str = "") -> dict:
    return {
        "type": kind,
        "unit": unit,
        "labels": [str(label) for label in labels],
        "datasets": [
            {"label": label, "data": [_as_float(v) for v in values]} for label, values in datasets
        ],
    }


def _percents(values) -> list:
    return [None if v is None else v * 100 for v in values]


def month_label(month: date) -> str:
    return f"{MONTHS_FR[month.month - 1]} {month.year}"


def _money(amount) -> str:
    from legal.formatting import euros

    return euros(amount)


def _number(value, places: int) -> str:
    from django.utils.formats import number_format

    return number_format(value, places, use_l10n=True, force_grouping=True)


def tables(f: Filters, k: Kpis, costs: CostSettings) -> dict[str, Table]:
    """The dashboard's tables, in the page's order."""
    return {
        table.key: table
        for table in (
            _aging(k),
            _states(k),
            _recovered(k),
            _dso(f, k),
            _cadence(k),
            _commitments(k),
            _disputes(k, costs),
            _portal(costs),
            _cost(k, costs),
            _compliance(k),
            _team(k),
        )
    }


def _aging(k: Kpis) -> Table:
    rows = [[label, *k.aging[key]] for key, label, _ in AGING_BUCKETS]
    return Table(
        key="aging",
        title="Balance âgée",
        caption="Reste dû des factures ouvertes selon le retard à ce jour",
        columns=[Column("Retard"), Column("Factures", "int"), Column("Reste dû", "money")],
        rows=rows,
        footer=["Total", sum(r[1] for r in rows), k.figures["outstanding"]],
        chart=_chart("bar", [r[0] for r in rows], [("Reste dû (€)", [r[2] for r in rows])], "€"),
    )


def _states(k: Kpis) -> Table:
    rows = [[DossierState(state).label, n] for state, n in k.states]
    return Table(
        key="states",
        title="Dossiers ouverts par état",
        caption="Dossiers actifs à ce jour, par état",
        columns=[Column("État"), Column("Dossiers", "int")],
        rows=rows,
        footer=["Total", k.figures["open_dossiers"]],
        chart=_chart("bar", [r[0] for r in rows], [("Dossiers", [r[1] for r in rows])]),
    )


def _recovered(k: Kpis) -> Table:
    rows = [[month_label(month), count, amount] for month, count, amount in k.months]
    return Table(
        key="recovered",
        title="Montants recouvrés par mois",
        caption="Paiements reçus (hors avoirs) sur la période",
        columns=[Column("Mois"), Column("Paiements", "int"), Column("Montant", "money")],
        rows=rows,
        footer=["Total", sum(r[1] for r in rows), k.figures["recovered"]],
        chart=_chart("line", [r[0] for r in rows], [("Recouvré (€)", [r[2] for r in rows])], "€"),
    )


def _dso(f: Filters, k: Kpis) -> Table:
    rows = [
        ["Méthode simple", k.figures["dso_simple"]],
        ["Méthode par épuisement (count-back)", k.figures["dso_countback"]],
    ]
    return Table(
        key="dso",
        title="DSO (délai moyen de règlement)",
        caption=(
            f"Sur {f.days} jours ; encours au {f.end:%d/%m/%Y} : "
            f"{_money(k.figures['receivables_end'])} ; factures émises sur la période : "
            f"{_money(k.figures['sales'])}"
        ),
        columns=[Column("Méthode"), Column("DSO", "days")],
        rows=rows,
        chart=_chart("bar", [r[0] for r in rows], [("Jours", [r[1] for r in rows])], "j"),
    )


def _cadence(k: Kpis) -> Table:
    rows = [[stage.label, reminded, *rates, *paid] for stage, reminded, rates, paid in k.stages]
    return Table(
        key="cadence",
        title="Paiements après chaque niveau de relance",
        caption=(
            "Part des dossiers relancés qui ont payé dans les 7, 15 et 30 jours suivant la "
            "première relance de chaque niveau (relances émises sur la période), un paiement "
            "comptant pour le dernier niveau envoyé avant lui ; paiements reçus sur la période, "
            f"par dernier niveau envoyé dans les {PAYMENT_WINDOWS[-1]} jours qui précèdent"
        ),
        columns=[
            Column("Niveau"),
            Column("Dossiers relancés", "int"),
            *[Column(f"Payé sous {d} j", "percent") for d in PAYMENT_WINDOWS],
            Column("Paiements reçus", "int"),
            Column("Montant reçu", "money"),
        ],
        rows=rows,
        chart=_chart(
            "bar",
            [r[0] for r in rows],
            [
                (f"sous {d} j (%)", _percents(r[2 + i] for r in rows))
                for i, d in enumerate(PAYMENT_WINDOWS)
            ],
            "%",
        ),
    )


def _commitments(k: Kpis) -> Table:
    rows = [
        ["Promesses de paiement", *k.commitments["promises"]],
        ["Échéanciers", *k.commitments["plans"]],
    ]
    return Table(
        key="commitments",
        title="Promesses tenues et échéanciers honorés",
        caption="Engagements arrivés à terme sur la période",
        columns=[
            Column("Engagement"),
            Column("Arrivés à terme", "int"),
            Column("Tenus", "int"),
            Column("Taux", "percent"),
        ],
        rows=rows,
        chart=_chart(
            "bar", [r[0] for r in rows], [("Taux (%)", _percents(r[3] for r in rows))], "%"
        ),
    )


def _disputes(k: Kpis, costs: CostSettings) -> Table:
    mean_days = k.figures["dispute_mean_days"]
    rows = [
        ["Ouvertes sur la période", costs.disputes_opened],
        ["Closes sur la période", costs.disputes_resolved],
        ["dont fondées (facture annulée)", costs.disputes_upheld],
        ["En cours à ce jour", costs.disputes_open_now],
    ]
    return Table(
        key="disputes",
        title="Contestations",
        caption=(
            "Délai moyen de résolution des contestations closes sur la période : "
            + (f"{_number(mean_days, 1)} jours" if mean_days is not None else "—")
        ),
        columns=[Column("Contestations"), Column("Nombre", "int")],
        rows=rows,
        chart=_chart("bar", [r[0] for r in rows], [("Contestations", [r[1] for r in rows])]),
    )


def _portal(costs: CostSettings) -> Table:
    rows = [
        ["Actions des débiteurs sur leur espace", costs.portal_actions],
        ["dont promesses de paiement", costs.portal_promises],
        ["dont échéanciers acceptés", costs.portal_plans],
        ["dont contestations", costs.portal_disputes],
        ["Dossiers où le débiteur a agi en ligne", costs.portal_dossiers],
        ["Dossiers réglés par le débiteur seul", costs.portal_self_resolved],
    ]
    return Table(
        key="portal",
        title="Espace débiteur",
        caption=(
            "Réglés par le débiteur seul : soldés sur la période après une promesse, un "
            "échéancier ou la page de paiement de son espace, sans appel d'un chargé"
        ),
        columns=[Column("Espace débiteur"), Column("Nombre", "int")],
        rows=rows,
        chart=_chart("bar", [r[0] for r in rows], [("Nombre", [r[1] for r in rows])]),
    )


def _cost(k: Kpis, costs: CostSettings) -> Table:
    rows = [[Channel(channel).label, *figures] for channel, *figures in k.channels]
    rows.append(
        [f"Appels ({_number(costs.call_minutes, 1)} min × {_money(costs.call_minute)})", *k.calls]
    )
    return Table(
        key="cost",
        title="Coût des actions",
        caption="Actions de la période au coût unitaire fixé par le responsable",
        columns=[
            Column("Canal"),
            Column("Actions", "int"),
            Column("Coût unitaire", "money"),
            Column("Coût", "money"),
        ],
        rows=rows,
        footer=["Total", sum(r[1] for r in rows), None, k.figures["cost_total"]],
        chart=_chart("doughnut", [r[0] for r in rows], [("Coût (€)", [r[3] for r in rows])], "€"),
    )


def _compliance(k: Kpis) -> Table:
    c = k.compliance
    rows = [
        ["Actions tracées (contenu conservé)", *c["traced"]],
        ["Dossiers en mise en demeure au dossier complet", *c["notice_complete"]],
        *[[f"— dont avec « {label} »", *c[f"notice_{key}"]] for key, label, _ in NOTICE_PIECES],
        ["Purges en retard (dossiers clos)", k.figures["purges_overdue"], None, None],
    ]
    return Table(
        key="compliance",
        title="Conformité",
        caption=(
            "Traçabilité des actions de la période ; pièces des dossiers en mise en demeure "
            "et purges dépassées à ce jour"
        ),
        columns=[
            Column("Indicateur"),
            Column("Nombre", "int"),
            Column("Sur", "int"),
            Column("Part", "percent"),
        ],
        rows=rows,
        chart=_chart(
            "bar",
            [r[0] for r in rows[:2]],
            [("Part (%)", _percents(r[3] for r in rows[:2]))],
            "%",
        ),
    )


def _team(k: Kpis) -> Table:
    rows = [[user.get_full_name() or user.username, *figures] for user, *figures in k.team]
    return Table(
        key="team",
        title="Équipe",
        caption=(
            f"Par chargé(e) : dossiers détenus à ce jour ; actions (appels, courriers validés, "
            f"paiements saisis, pièces déposées) et montants recouvrés sur la période "
            f"({k.figures['working_days']} jours ouvrés)"
        ),
        columns=[
            Column("Chargé(e) de recouvrement"),
            Column("Dossiers détenus", "int"),
            Column("Actions", "int"),
            Column("Actions par jour ouvré", "decimal"),
            Column("Montant recouvré", "money"),
        ],
        rows=rows,
        chart=_chart("bar", [r[0] for r in rows], [("Recouvré (€)", [r[4] for r in rows])], "€"),
    )
