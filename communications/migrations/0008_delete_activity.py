from django.db import migrations


class Migration(migrations.Migration):
    """Activity moved to the timeline app: drop it from this app's state, keep the table."""

    dependencies = [
        ("communications", "0007_message_handed_at"),
        ("timeline", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Activity")],
        ),
    ]
