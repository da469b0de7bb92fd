from django.db import migrations


class Migration(migrations.Migration):
    """PortalLink moved to the portal app: drop it from this app's state, keep the table."""

    dependencies = [
        ("projects", "0002_dashboard_indexes"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PortalLink")],
        ),
    ]
