"""The legal numbers the product uses, each with its source. Change them here only.

Rates that change every half-year (legal interest rate, ECB main refinancing rate) are data,
not code: they live in the tables ``LegalInterestRate`` and ``EcbRate`` (admin, ``add_rate``).
"""

from decimal import Decimal

# --- Insolvency proceedings ------------------------------------------------------------------

# C. com. R622-24: claims are declared within 2 months of the opening judgment's publication
# in the BODACC (+2 months for creditors outside metropolitan France).
INSOLVENCY_DECLARATION_MONTHS = 2
INSOLVENCY_DECLARATION_EXTRA_MONTHS_ABROAD = 2

# --- Cadence policy defaults (no rule of law unless cited) -----------------------------------

# No rule of law: the house default below which no reminder is sent (policy, editable).
DEFAULT_REMINDER_TOLERANCE = Decimal("5.00")
# C. conso. D223-9 borrowed for collection calls (docs/legal.md §6); policy default spacing.
DEFAULT_CONTACT_SPACING_DAYS = 7
# C. civ. 1344: the formal notice gives a reasonable deadline; the seeds use 8 days.
DEFAULT_FORMAL_NOTICE_DEADLINE_DAYS = 8

# --- Late-payment penalties between professionals (C. com. L441-10 II) -----------------------

# C. com. L441-10 II: without a contractual rate, the ECB's main refinancing rate + 10 points.
LATE_PAYMENT_ECB_MARGIN_POINTS = Decimal("10")
# C. com. L441-10 II: a contractual rate may not be lower than 3 times the legal interest rate.
LATE_PAYMENT_FLOOR_LEGAL_RATE_MULTIPLIER = Decimal("3")
# C. com. L441-10 II: the ECB rate of a half-year is the one in force on 1 January (first
# half-year) or on 1 July (second half-year). (month, day) of each half-year's reference date.
ECB_REFERENCE_DAYS = ((1, 1), (7, 1))

# C. com. L441-10 II and D441-5: fixed recovery indemnity per late invoice, professionals only.
RECOVERY_INDEMNITY = Decimal("40.00")

# --- Interest arithmetic (docs/legal.md §1) ----------------------------------------------------

# Simple interest, day count actual/365 (house convention of docs/legal.md §1 for the annual
# rates of C. com. L441-10 and C. mon. fin. L313-2): 365 even in a leap year.
DAY_COUNT_BASIS = Decimal("365")
# Amounts are rounded to the cent, half-up, once, at the end of each computation.
CENT = Decimal("0.01")

# C. mon. fin. L313-3: +5 points two months after an enforceable judgment. Court phase only:
# never applied by the amicable engine; recorded here so the figure has one home.
LEGAL_INTEREST_JUDGMENT_INCREASE_POINTS = Decimal("5")

# --- Limitation periods (prescription) -------------------------------------------------------

# C. com. L110-4 (between traders) and C. civ. 2224 (personal actions): 5 years.
PRESCRIPTION_YEARS_PROFESSIONAL = 5
# C. conso. L218-2: a professional's action for goods or services supplied to a consumer.
PRESCRIPTION_YEARS_CONSUMER = 2
# C. civ. 2238: after an agreed mediation or conciliation, the period runs again for no less
# than 6 months.
MEDIATION_MINIMUM_REMAINING_MONTHS = 6
# docs/legal.md §3 (policy): warn the controller 90, 30 and 7 days before prescription.
PRESCRIPTION_WARNING_DAYS = (90, 30, 7)
