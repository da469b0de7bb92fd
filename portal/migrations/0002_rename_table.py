from django.db import migrations


class Migration(migrations.Migration):
    """Give the moved table the name of its new app."""

    dependencies = [
        ("portal", "0001_initial"),
        ("projects", "0003_delete_portallink"),
    ]

    operations = [
        migrations.AlterModelTable(name="portallink", table=None),
    ]
