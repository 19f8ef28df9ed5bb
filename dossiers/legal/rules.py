"""The legal numbers the product uses, each with its source. Change them here only."""

from decimal import Decimal

# C. com. R622-24: claims are declared within 2 months of the opening judgment's publication
# in the BODACC (+2 months for creditors outside metropolitan France).
INSOLVENCY_DECLARATION_MONTHS = 2
INSOLVENCY_DECLARATION_EXTRA_MONTHS_ABROAD = 2

# No rule of law: the house default below which no reminder is sent (policy, editable).
DEFAULT_REMINDER_TOLERANCE = Decimal("5.00")
# C. conso. D223-9 borrowed for collection calls (LEGAL_FR.md §6); policy default spacing.
DEFAULT_CONTACT_SPACING_DAYS = 7
# C. civ. 1344: the formal notice gives a reasonable deadline; the seeds use 8 days.
DEFAULT_FORMAL_NOTICE_DEADLINE_DAYS = 8
