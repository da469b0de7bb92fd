"""The country column holds ISO 3166 codes now (after the data migration before it; a separate
migration, as PostgreSQL refuses to alter a table with the rows' pending trigger events)."""

import django_countries.fields
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0005_client_country_code"),
    ]

    operations = [
        migrations.AlterField(
            model_name="client",
            name="country",
            field=django_countries.fields.CountryField(
                blank=True, max_length=2, verbose_name="country"
            ),
        ),
    ]
