"""The payment probability's part of the demo: a model, scores with reasons in « Ma journée »,
and one creditor whose priority counts them (a manager's journaled choice).

Forty dossiers are far too few to learn from: the model learns from a generated history
(``scoring.synthetic``), and says so on the manager's page; it then scores the demo's real open
dossiers from their own facts. The professional debtors get an activity code (their sector).
"""

from __future__ import annotations

import random
from datetime import date

from accounts import roles
from dossiers import services as dossier_services
from dossiers.models import Creditor, Debtor
from scoring import services, synthetic
from scoring.models import ScoreModel

NAF_CODES = ("43.22A", "47.11B", "56.10A", "62.01Z", "46.90Z", "41.20A", "49.41A", "70.22Z")
SYNTHETIC_DOSSIERS = 3000


def learn_synthetic(today: date) -> dict:
    """The model's learning on the generated history (``scoring.services.learn``: arrays only,
    no database), in any process. The walk starts it in its pool of processes as it begins
    (``demo.relances.walk``): there it costs the seed's main process nothing — neither the
    learning nor scikit-learn's import (~2 s of CPU) — and gives the same fields as here."""
    history, _ = synthetic.generate(
        dossiers=SYNTHETIC_DOSSIERS, today=today, effect="promises", seed=26
    )
    return services.learn(as_of=today, history=history)


def payment_scores(*, seeder) -> list[str]:
    rng = random.Random(26)
    # The debtors still followed (a purged one has nothing left to update).
    debtors = Debtor.objects.filter(
        kind=Debtor.Kind.PROFESSIONAL, naf_code="", dossiers__closed_on__isnull=True
    ).exclude(postal_code="")
    for debtor in debtors.distinct().order_by("pk"):
        dossier_services.debtor_update(
            debtor=debtor,
            actor=seeder.actor,
            reason="code NAF repris du répertoire SIRENE",
            naf_code=rng.choice(NAF_CODES),
        )
    model = services.train(
        as_of=seeder.today,
        learned=seeder.learned or learn_synthetic(seeder.today),
        trigger=ScoreModel.Trigger.SCRIPT,
        source=f"historique synthétique de démonstration ({SYNTHETIC_DOSSIERS} dossiers générés)",
    )
    scored = services.score(on=seeder.today, model=model)
    manager = seeder.actor.__class__.objects.filter(groups__name=roles.MANAGER).first()
    creditor = Creditor.objects.order_by("pk").first()
    if creditor is not None and manager is not None:
        services.priority_scoring_set(
            creditor=creditor,
            enabled=True,
            actor=manager,
            reason="essai : appeler d'abord les dossiers les plus susceptibles de payer",
        )
    auc = f"{model.auc:.2f}".replace(".", ",") if model.auc is not None else "—"
    return [
        f"Probabilité  modèle v{model.version} (AUC {auc}), {scored} dossiers notés avec leurs "
        f"raisons ; la priorité de {creditor} la compte"
    ]
