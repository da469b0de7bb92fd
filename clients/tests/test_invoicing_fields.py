"""The client's invoicing details: VAT ID (reverse charge) and Leitweg-ID (XRechnung)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.models import Client
from crm.validators import validate_leitweg_id, validate_vat_id

from .test_views_client import valid_form

pytestmark = pytest.mark.django_db


def test_it_saves_a_normalised_vat_id_and_leitweg_id(alice_client: Any, alice: Any) -> None:
    response = alice_client.post(
        reverse("clients:create"),
        valid_form(vat_id="fr 40 303265045", leitweg_id=" 04011000-12345-03 "),
    )
    assert response.status_code == 302
    client = Client.objects.get(owner=alice)
    assert (client.vat_id, client.leitweg_id) == ("FR40303265045", "04011000-12345-03")
    page = alice_client.get(reverse("clients:edit", args=[client.pk])).content.decode()
    assert 'name="vat_id"' in page
    assert 'name="leitweg_id"' in page
    detail = alice_client.get(client.get_absolute_url()).content.decode()
    assert "FR40303265045" in detail
    assert "04011000-12345-03" in detail


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("vat_id", "123456789", "country prefix"),
        ("leitweg_id", "04011000-12345-04", "not a valid Leitweg-ID"),
        ("leitweg_id", "04011000-1234", "not a valid Leitweg-ID"),
    ],
)
def test_it_refuses_a_malformed_id(
    alice_client: Any, alice: Any, field: str, value: str, message: str
) -> None:
    response = alice_client.post(reverse("clients:create"), valid_form(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Client.objects.filter(owner=alice).exists()


@pytest.mark.parametrize(
    "leitweg_id",
    ["04011000-12345-03", "991-33333TEST-33", "04011000-1234512345-06", "991-01234-44"],
)
def test_the_leitweg_id_check_digits(leitweg_id: str) -> None:
    if leitweg_id == "991-01234-44":
        with pytest.raises(ValidationError):
            validate_leitweg_id(leitweg_id)
    else:
        validate_leitweg_id(leitweg_id)


def test_a_vat_id_needs_its_country_prefix() -> None:
    validate_vat_id("DE 123 456 789")
    with pytest.raises(ValidationError):
        validate_vat_id("12/345/67890")


def test_a_company_may_give_its_own_buyer_reference(alice_client: Any, alice: Any) -> None:
    """A company that asks for XRechnung without a Leitweg-ID names its own reference."""
    response = alice_client.post(
        reverse("clients:create"), valid_form(leitweg_id="Bestellung 4711 / Einkauf")
    )
    assert response.status_code == 302
    assert Client.objects.get(owner=alice).leitweg_id == "Bestellung 4711 / Einkauf"
