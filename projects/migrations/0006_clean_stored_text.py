"""Clean the text that reaches offers and invoices (crm/text.py): rows stored before the rule
may hold control characters that XML 1.0 forbids, or decomposed Unicode."""

from django.db import migrations

from crm.text import text_repair_rows

MODELS = (
    "Project",
    "ScopeItem",
    "Milestone",
    "ChangeRequest",
    "Offer",
    "OfferLine",
    "Invoice",
    "InvoiceLine",
)


def forwards(apps, schema_editor):
    for name in MODELS:
        text_repair_rows(apps.get_model("projects", name))


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_line_kind_discounts"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
