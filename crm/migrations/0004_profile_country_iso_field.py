"""The country column holds ISO 3166 codes now (after the data migration before it; a separate
migration, as PostgreSQL refuses to alter a table with the rows' pending trigger events)."""

import django_countries.fields
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_profile_country_code"),
    ]

    operations = [
        migrations.AlterField(
            model_name="profile",
            name="country",
            field=django_countries.fields.CountryField(
                blank=True, default="DE", max_length=2, verbose_name="country"
            ),
        ),
    ]
