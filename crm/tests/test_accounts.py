"""Sign-up, log-in by e-mail or username, log-out, password change and reset by e-mail."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from crm.models import Profile, User

STRONG = "quiet-harbour-lantern-71"


def signup_data(**overrides: str) -> dict[str, str]:
    return {
        "display_name": "Carla Krüger",
        "email": "carla@example.com",
        "password1": STRONG,
        "password2": STRONG,
        **overrides,
    }


@pytest.mark.django_db
def test_it_signs_up_logs_in_and_creates_the_profile(client):
    response = client.post(reverse("signup"), signup_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:setup")  # the first-run setup
    user = User.objects.get()
    assert (user.username, user.email, user.first_name) == (
        "carla@example.com",
        "carla@example.com",
        "Carla Krüger",
    )
    assert user.check_password(STRONG)
    assert user.profile.display_name == "Carla Krüger"
    assert user.profile.language == "en"  # the language the visitor was using
    assert client.session[SESSION_KEY] == str(user.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("taken", ["alice@example.com", "ALICE@Example.COM", " alice@example.com "])
def test_it_refuses_a_taken_email_in_any_case(client, alice, taken):
    response = client.post(reverse("signup"), signup_data(email=taken))

    assert response.status_code == 200
    assert "exists already" in response.content.decode()
    assert User.objects.count() == 1
    assert Profile.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("12345678901", "entirely numeric"),
        ("short1", "too short"),
        ("password123", "too common"),
        ("carla@example", "too similar"),
    ],
)
def test_it_refuses_a_weak_password(client, password, message):
    response = client.post(reverse("signup"), signup_data(password1=password, password2=password))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_refuses_mismatched_passwords(client):
    response = client.post(reverse("signup"), signup_data(password2=STRONG + "x"))

    assert response.status_code == 200
    assert "password fields didn’t match" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["display_name", "email", "password1", "password2"])
def test_it_requires_every_sign_up_field(client, field):
    response = client.post(reverse("signup"), signup_data(**{field: ""}))

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_refuses_an_email_longer_than_a_username_can_be(client):
    email = "a" * 140 + "@example.com"

    response = client.post(reverse("signup"), signup_data(email=email))

    assert response.status_code == 200
    assert not User.objects.exists()


def test_it_sends_a_logged_in_user_from_sign_up_to_the_dashboard(alice_client):
    response = alice_client.get(reverse("signup"))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:index")


@pytest.mark.parametrize("identifier", ["alice", "alice@example.com", "Alice@EXAMPLE.com"])
def test_it_logs_in_by_username_or_email(client, alice, identifier):
    response = client.post(
        reverse("login"), {"username": identifier, "password": "correct horse 42"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:index")
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_it_explains_a_wrong_password(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_it_does_not_log_in_an_inactive_user(client, alice):
    alice.is_active = False
    alice.save()

    response = client.post(reverse("login"), {"username": "alice", "password": "correct horse 42"})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_it_logs_out_by_post_only(alice_client):
    assert alice_client.get(reverse("logout")).status_code == 405
    assert SESSION_KEY in alice_client.session

    response = alice_client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert SESSION_KEY not in alice_client.session


def test_it_changes_the_password(alice_client, alice):
    response = alice_client.post(
        reverse("password_change"),
        {"old_password": "correct horse 42", "new_password1": STRONG, "new_password2": STRONG},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    alice.refresh_from_db()
    assert alice.check_password(STRONG)
    assert alice_client.get(reverse("password_change_done")).status_code == 200
    # The session survives the change (Django rotates its hash).
    assert alice_client.get(reverse("crm:profile")).status_code == 200


def test_it_refuses_a_password_change_with_a_wrong_old_password(alice_client, alice):
    response = alice_client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": STRONG, "new_password2": STRONG},
    )

    assert response.status_code == 200
    assert "old password was entered incorrectly" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password("correct horse 42")


def test_it_resets_the_password_through_the_emailed_link(client, alice, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "ALICE@example.com"})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["alice@example.com"]
    assert mail.subject == "Reset your password"
    link = re.search(r"https?://testserver(/accounts/reset/\S+/)", mail.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": STRONG, "new_password2": STRONG})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    alice.refresh_from_db()
    assert alice.check_password(STRONG)
    # The link works once.
    assert client.get(link, follow=True).context["validlink"] is False


def test_it_stays_silent_about_unknown_addresses(client, alice, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert mailoutbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "login",
        "signup",
        "password_reset",
        "password_reset_done",
        "password_reset_complete",
    ],
)
def test_it_renders_the_public_account_pages(client, name):
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", ["password_change", "crm:profile", "dashboard:index"])
def test_it_requires_login_for_account_pages(anon_client, name):
    response = anon_client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.django_db
def test_it_reports_a_sign_up_race_as_a_taken_email(client, monkeypatch):
    from django.db import IntegrityError

    from crm import services

    def lose_the_race(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "user_sign_up", lose_the_race)

    response = client.post(reverse("signup"), signup_data())

    assert response.status_code == 200
    assert "exists already" in response.content.decode()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_it_keeps_the_profile_and_user_together(client):
    from crm.services import user_sign_up

    user = user_sign_up(
        email="dora@example.com", password=STRONG, display_name="Dora", language="fr"
    )

    assert user.profile.language == "de"  # an unknown language falls back to German
    assert user.username == user.email == "dora@example.com"


def test_it_sends_a_logged_in_user_from_the_login_page_to_the_dashboard(alice_client):
    response = alice_client.get(reverse("login"))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:index")
