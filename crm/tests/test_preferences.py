"""Interface language and time zone: the switch, the cookie, the profile, the middleware."""

import datetime

import pytest
from django.http import HttpResponse
from django.template import Context, Template
from django.test import override_settings
from django.urls import path, reverse
from django.utils import timezone, translation

from crm.models import Profile


def current_preferences(request):
    moment = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC)
    local = Template("{{ moment|time:'H:i' }}").render(Context({"moment": moment}))
    return HttpResponse(
        f"{translation.get_language()} {timezone.get_current_timezone_name()} {local}"
    )


urlpatterns = [path("prefs/", current_preferences)]


def switch(client, language, next_url="/settings/"):
    return client.post(reverse("crm:set_language"), {"language": language, "next": next_url})


@pytest.mark.django_db
def test_it_switches_an_anonymous_visitor_by_cookie(client):
    response = switch(client, "de", "/accounts/login/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies["django_language"].value == "de"
    page = client.get("/accounts/login/")
    assert '<html lang="de">' in page.content.decode()
    assert page["Content-Language"] == "de"


def test_it_stores_the_language_on_the_profile_when_logged_in(alice_client, alice):
    response = switch(alice_client, "de")

    assert response.status_code == 302
    assert Profile.objects.get(user=alice).language == "de"
    # The profile wins over a stale cookie.
    alice_client.cookies["django_language"] = "en"
    assert '<html lang="de">' in alice_client.get("/settings/").content.decode()


def test_it_falls_back_to_the_default_for_an_unknown_language(alice_client, alice, settings):
    switch(alice_client, "xx")

    assert Profile.objects.get(user=alice).language == settings.LANGUAGE_CODE


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_it_never_redirects_off_site(client, target):
    response = switch(client, "en", target)

    assert response["Location"] == "/"


@pytest.mark.django_db
def test_it_refuses_get(client):
    assert client.get(reverse("crm:set_language")).status_code == 405


@override_settings(ROOT_URLCONF=__name__)
def test_it_applies_the_profile_language_and_time_zone(alice_client, alice):
    Profile.objects.filter(user=alice).update(language="de", time_zone="America/New_York")

    response = alice_client.get("/prefs/")

    # 12:00 UTC in July is 08:00 in New York (EDT).
    assert response.content.decode() == "de America/New_York 08:00"


@override_settings(ROOT_URLCONF=__name__, TIME_ZONE="Europe/Berlin")
def test_it_uses_the_defaults_for_anonymous_visitors(client, db):
    response = client.get("/prefs/", headers={"accept-language": "de"})

    assert response.content.decode() == "de Europe/Berlin 14:00"


@override_settings(ROOT_URLCONF=__name__, TIME_ZONE="Europe/Berlin")
def test_it_does_not_leak_a_time_zone_into_the_next_request(alice_client, alice, client):
    Profile.objects.filter(user=alice).update(time_zone="Asia/Tokyo")
    assert alice_client.get("/prefs/").content.decode().endswith("Asia/Tokyo 21:00")

    assert timezone.get_current_timezone_name() == "Europe/Berlin"


@override_settings(ROOT_URLCONF=__name__)
def test_it_uses_defaults_for_a_user_without_profile(client, django_user_model):
    user = django_user_model.objects.create_user("carol", "carol@example.com", "x")
    client.force_login(user)

    assert client.get("/prefs/").content.decode() == "de Europe/Berlin 14:00"
