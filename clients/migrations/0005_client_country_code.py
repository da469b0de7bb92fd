"""Countries become ISO 3166 codes (typed names mapped, unknown ones kept for the freelancer to
fix, never guessed); the text of existing clients, contacts and notes is cleaned (crm/text.py)."""

from django.db import migrations, models

from crm.countries import country_code
from crm.text import text_repair_rows


def forwards(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    for model in (Client, apps.get_model("clients", "Contact"), apps.get_model("clients", "Note")):
        text_repair_rows(model)
    rows = list(Client.objects.exclude(country="").only("pk", "country"))
    for client in rows:
        typed = client.country
        client.country = country_code(typed)
        client.country_unrecognised = "" if client.country else typed[:100]
    Client.objects.bulk_update(rows, ["country", "country_unrecognised"], batch_size=500)


def backwards(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    Client.objects.exclude(country_unrecognised="").update(country=models.F("country_unrecognised"))


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0004_import_uploads_customer_number"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="country_unrecognised",
            field=models.CharField(
                blank=True, max_length=100, verbose_name="country as typed, not recognised"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
