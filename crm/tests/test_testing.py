"""The ownership helper catches leaky views (so other apps can rely on it)."""

import pytest
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.test import override_settings
from django.urls import include, path

from crm.models import AuditEntry
from crm.testing import assert_owner_only, client_for


@login_required
def scoped(request, entry_id):
    entry = get_object_or_404(AuditEntry.objects.owned_by(request.user), pk=entry_id)
    if request.method == "POST":
        entry.object_repr = "changed"
        entry.save()
        return HttpResponse(status=302, headers={"Location": "/"})
    return HttpResponse(entry.object_repr)


@login_required
def leaky(request, entry_id):
    return HttpResponse(get_object_or_404(AuditEntry, pk=entry_id).object_repr)


def forbidden(request, entry_id):
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    return scoped(request, entry_id)


def public(request, entry_id):
    return HttpResponse(get_object_or_404(AuditEntry.objects.all(), pk=entry_id).object_repr)


urlpatterns = [
    path("scoped/<int:entry_id>/", scoped),
    path("leaky/<int:entry_id>/", leaky),
    path("forbidden/<int:entry_id>/", forbidden),
    path("public/<int:entry_id>/", public),
    path("", include("crm.urls")),
]


@pytest.fixture
def entry(alice):
    return AuditEntry.objects.create(
        owner=alice,
        actor="alice",
        action="create",
        object_type="client",
        object_id="1",
        object_repr="Acme",
    )


@override_settings(ROOT_URLCONF=__name__)
def test_it_passes_a_view_scoped_to_the_owner(alice, bob, entry):
    response = assert_owner_only(f"/scoped/{entry.pk}/", owner=alice, other=bob)

    assert response.content == b"Acme"


@override_settings(ROOT_URLCONF=__name__)
def test_it_posts_as_the_owner_last(alice, bob, entry):
    assert_owner_only(f"/scoped/{entry.pk}/", owner=alice, other=bob, method="post", expect=[302])

    entry.refresh_from_db()
    assert entry.object_repr == "changed"


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    ("view", "complaint"),
    [
        ("leaky", "as another freelancer: expected 404, got 200"),
        ("forbidden", "anonymous"),
        ("public", "as another freelancer: expected 404, got 200"),
    ],
)
def test_it_fails_a_view_that_leaks(alice, bob, entry, view, complaint):
    with pytest.raises(AssertionError, match=complaint):
        assert_owner_only(f"/{view}/{entry.pk}/", owner=alice, other=bob)


@override_settings(ROOT_URLCONF=__name__)
def test_it_fails_when_the_owner_gets_the_wrong_status(alice, bob, entry):
    with pytest.raises(AssertionError, match="as the owner: expected"):
        assert_owner_only(f"/scoped/{entry.pk}/", owner=alice, other=bob, expect=[204])


def test_it_gives_each_party_its_own_session(alice, bob):
    alice_client, bob_client = client_for(alice), client_for(bob)

    assert alice_client.session["_auth_user_id"] == str(alice.pk)
    assert bob_client.session["_auth_user_id"] == str(bob.pk)
    assert "_auth_user_id" not in client_for(None).session
