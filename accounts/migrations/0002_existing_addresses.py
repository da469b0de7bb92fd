"""Every existing user gets an unconfirmed EmailAddress: they confirm it at their next log-in.

Not marked verified: accounts created before verification existed were never checked, and a
confirmed address is what lets an account send mail to clients.
"""

from django.db import migrations


def addresses_create(apps, schema_editor):
    User = apps.get_model("crm", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    have = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        EmailAddress(user_id=user_id, email=email, verified=False, primary=True)
        for user_id, email in User.objects.exclude(email="").values_list("pk", "email")
        if user_id not in have
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("crm", "0001_initial"),
    ]

    operations = [migrations.RunPython(addresses_create, migrations.RunPython.noop)]
