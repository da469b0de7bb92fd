"""`make run` loads demo data and prints a login: that login must work, and twice in a row."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.urls import reverse

from crm.models import User


@pytest.mark.django_db
def test_it_creates_a_demo_user_who_can_log_in(client):
    for _ in range(2):  # `make run` runs it on every start
        call_command("demo_data", user="demo", password="demo-pass-2026", clients=3)

    response = client.post(reverse("login"), {"login": "demo", "password": "demo-pass-2026"})

    assert response.status_code == 302
    user = User.objects.get(username="demo")
    assert client.session[SESSION_KEY] == str(user.pk)
    assert user.profile.iban
    assert client.get(reverse("crm:profile")).status_code == 200
