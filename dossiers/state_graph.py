"""The dossier state machine drawn from the code itself (Mermaid), for docs/state-machine.md."""

from collections import defaultdict

from django_fsm import State

from dossiers.models import Dossier, DossierState

TRANSITION_LABELS = {
    "advance": "étape de cadence",
    "notice_deadline_passed": "délai de mise en demeure expiré",
    "promise": "promesse",
    "accept_plan": "échéancier accepté",
    "open_dispute": "contestation",
    "open_insolvency": "procédure collective",
    "restrict": "limitation RGPD",
    "resume": "reprise",
    "settle": "solde réglé",
    "close_accessories": "accessoires réglés ou abandonnés",
    "new_invoice": "nouvelle facture",
    "hand_to_court": "Go : contentieux",
    "write_off": "passage en perte",
    "back_to_amicable": "retour à l'amiable",
    "reopen_after_return": "paiement rejeté par la banque",
}


def edges() -> dict[tuple[str, str], set[str]]:
    """(source, target) → transition names, targets of RETURN_VALUE expanded."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    field = Dossier._meta.get_field("state")
    for transition in field.get_all_transitions(Dossier):
        target_spec = transition.target
        # RETURN_VALUE(...) lists the states a transition may return.
        targets = target_spec.allowed_states if isinstance(target_spec, State) else [target_spec]
        for target in targets:
            if target != transition.source:
                found[(transition.source, target)].add(transition.name)
    return found


def mermaid() -> str:
    lines = ["stateDiagram-v2"]
    for state in DossierState:
        lines.append(f"    {state.value} : {state.label}")
    lines.append(f"    [*] --> {DossierState.OPEN.value}")
    for (source, target), names in sorted(edges().items()):
        label = ", ".join(sorted(TRANSITION_LABELS.get(n, n) for n in names))
        lines.append(f"    {source} --> {target} : {label}")
    for state in (DossierState.PAID, DossierState.LITIGATION, DossierState.WRITTEN_OFF):
        lines.append(f"    {state.value} --> [*]")
    return "\n".join(lines) + "\n"


def document() -> str:
    return (
        "# Le cycle de vie d'un dossier\n\n"
        "Generated from `dossiers/models/dossier.py` by "
        "`python manage.py state_graph --write`; a test fails when it is out of date.\n\n"
        "```mermaid\n" + mermaid() + "```\n"
    )
