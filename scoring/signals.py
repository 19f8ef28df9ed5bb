"""What the score tells the apps above it (which it may not import): its figures changed.

``scores_changed`` is sent on commit after a scoring run (``creditor_id`` None: every open
dossier) and after a manager's switch (``creditor_id``: that creditor's dossiers), so that a
priority kept on the dossier (« Ma journée ») counts the new points.
"""

from django.dispatch import Signal

scores_changed = Signal()  # kwargs: creditor_id (int | None)
