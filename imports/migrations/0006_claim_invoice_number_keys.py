"""The statements' matching looks the invoice numbers a remittance text may cite up in SQL
(``imports.statements.matching``): two expression indexes on the claims, per creditor, of the
number written compact (upper case, letters and digits only: ``legal.references.compact``) and
without its prefix and leading zeros (``matching.invoice_core``). PostgreSQL only (the SQLite
demo reads the numbers in Python); the expressions are ``matching.COMPACT_SQL`` and
``matching.CORE_SQL`` word for word (and ``BEYOND_ASCII_SQL``), or the index would not be used."""

from django.db import migrations

COMPACT = "regexp_replace(upper(invoice_number), '[^0-9A-Z]', '', 'g')"
UNPREFIXED = (
    f"regexp_replace({COMPACT}, '^(FACTURE|FACT|FAC|FA|FCT|INVOICE|INV|NO|N|F)(?=[0-9])', '')"
)
BEYOND_ASCII = "invoice_number !~ '^[\\x01-\\x7F]*$'"
CORE = f"coalesce(nullif(ltrim({UNPREFIXED}, '0'), ''), {UNPREFIXED})"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS claim_invoice_compact_idx "
        f"ON dossiers_claim (creditor_id, ({COMPACT}))"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS claim_invoice_core_idx ON dossiers_claim (creditor_id, ({CORE}))"
    )
    # The numbers beyond ASCII, read in Python (upper case differs: « ß » is « SS » there).
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS claim_invoice_beyond_ascii_idx ON dossiers_claim "
        f"(creditor_id) WHERE {BEYOND_ASCII}"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS claim_invoice_compact_idx")
    schema_editor.execute("DROP INDEX IF EXISTS claim_invoice_core_idx")
    schema_editor.execute("DROP INDEX IF EXISTS claim_invoice_beyond_ascii_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0005_checked_rows"),
        ("dossiers", "0013_claim_open_due_idx"),
    ]

    operations = [migrations.RunPython(create, drop)]
