"""French legal rules as pure functions, at the bottom of the layering so every app may use them.

Every number lives in ``legal.rules`` with the article it comes from; the half-yearly
rates are data (``dossiers.models.rates``), handed in as a ``rates.RateTable``. See
``docs/legal.md`` for the formulas.
"""
