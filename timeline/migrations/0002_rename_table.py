from django.db import migrations


class Migration(migrations.Migration):
    """Give the moved table the name of its new app."""

    dependencies = [
        ("timeline", "0001_initial"),
        ("communications", "0008_delete_activity"),
    ]

    operations = [
        migrations.AlterModelTable(name="activity", table=None),
    ]
