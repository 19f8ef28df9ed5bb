"""The demo's extension point: ``seed_demo`` creates the records, then sends ``demo_seeded``
inside its transaction so that each app below ``dossiers`` adds its part (reminders walked
through the cadence, letters, purges due...) without ``dossiers`` importing it.

Receivers get ``seeder`` (with ``rng``, ``today``, ``actor``, ``controller``) and return a list
of lines for the command's summary.
"""

from django.dispatch import Signal

demo_seeded = Signal()
