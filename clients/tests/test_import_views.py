"""The import pages: upload, mapping, preview, confirm, template; owner-only; never a 500."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.models import Client, ImportPreset, ImportUpload
from crm.testing import assert_owner_only

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"


def upload(client: Any, raw: bytes, name: str = "clients.csv") -> Any:
    return client.post(reverse("clients:import"), {"file": SimpleUploadedFile(name, raw)})


def stored(user: Any) -> ImportUpload:
    return ImportUpload.objects.get(owner=user)


def test_it_goes_straight_to_the_preview_for_a_known_export(alice_client: Any, alice: Any) -> None:
    response = upload(alice_client, (DATA / "outlook-de.csv").read_bytes(), "Kontakte.CSV")
    assert response.url == reverse("clients:import_preview", args=[stored(alice).pk])
    page = alice_client.get(response.url)
    body = page.content.decode()
    assert "recognised as Outlook (German)" in body
    assert "2 new clients" in body
    assert "Herr Schneider" in body
    assert "Formal (Sie / formal English)" in body
    assert ">German<" in body
    assert ">de<" not in body
    assert ">formal<" not in body
    assert "Ignored columns:" in body
    assert "Notizen" in body
    assert not Client.objects.exists()


def test_it_asks_for_the_mapping_of_an_unknown_sheet_and_keeps_the_file(
    alice_client: Any, alice: Any
) -> None:
    response = upload(alice_client, (DATA / "handmade.csv").read_bytes(), "liste.csv")
    upload_row = stored(alice)
    mapping_url = reverse("clients:import_mapping", args=[upload_row.pk])
    assert response.url == mapping_url
    body = alice_client.get(mapping_url).content.decode()
    assert "Bemerkung" in body
    assert "Empfehlung von Jonas" in body
    assert '<option value="email" selected>' in body

    # A mapping without any name column is refused; the file stays, nothing to upload again.
    refused = alice_client.post(mapping_url, {"col_0": "", "col_1": "email"})
    assert "Choose the column with the name" in refused.content.decode()
    assert ImportUpload.objects.filter(pk=upload_row.pk).exists()

    data = {"col_0": "name", "col_1": "email", "col_2": "phone", "col_3": "salutation"}
    saved = alice_client.post(
        mapping_url, {**data, "save_preset": "on", "preset_name": "Meine Liste"}
    )
    assert saved.url == reverse("clients:import_preview", args=[upload_row.pk])
    assert ImportPreset.objects.get(owner=alice).name == "Meine Liste"
    confirm = alice_client.post(reverse("clients:import_confirm", args=[upload_row.pk]))
    assert confirm.url == reverse("clients:list")
    assert sorted(Client.objects.values_list("name", "salutation")) == [
        ("Anna Schulz", "Frau Schulz"),
        ("Tischlerei Holzwurm", ""),
    ]
    assert not ImportUpload.objects.exists()

    # The next file with the same columns uses the preset without asking.
    again = upload(alice_client, (DATA / "handmade.csv").read_bytes(), "liste2.csv")
    assert again.url == reverse("clients:import_preview", args=[stored(alice).pk])


def test_it_imports_once_even_when_confirmed_twice(alice_client: Any, alice: Any) -> None:
    upload(alice_client, (DATA / "lexoffice-kunden.csv").read_bytes())
    url = reverse("clients:import_confirm", args=[stored(alice).pk])
    assert alice_client.post(url).url == reverse("clients:list")
    second = alice_client.post(url, follow=True)
    assert "already done" in second.content.decode()
    assert Client.objects.count() == 3


def test_it_offers_to_leave_out_rows_with_errors(alice_client: Any, alice: Any) -> None:
    upload(alice_client, b"Name;E-Mail\nGood;good@x.example\nBad;nope\n")
    upload_row = stored(alice)
    body = alice_client.get(reverse("clients:import_preview", args=[upload_row.pk])).content
    assert "“E-Mail”: Enter a valid email address." in body.decode()
    url = reverse("clients:import_confirm", args=[upload_row.pk])
    refused = alice_client.post(url, follow=True)
    assert "Nothing was imported. Line 3" in refused.content.decode()
    assert not Client.objects.exists()
    alice_client.post(url, {"skip_errors": "on"})
    assert list(Client.objects.values_list("name", flat=True)) == ["Good"]


@pytest.mark.parametrize(
    ("raw", "name", "message"),
    [
        (b"", "empty.csv", "The submitted file is empty."),
        (bytes(range(256)) * 40, "garbage.csv", "not a table we can read"),
        (b"x" * (10 * 1024 * 1024), "big.csv", "larger than 5 MB"),
        (b"Name;Ort\n=cmd|' /C calc'!A0;@SUM(1)\n", "formula.csv", None),
        (b"Name;Ort\nAc\x01me\x1f;Be\x7frlin\n", "controls.csv", None),
        (b"\x00\x01\x02PK", "zip.xlsx", "not a table we can read"),
    ],
)
def test_it_answers_bad_input_clearly_never_with_a_500(
    alice_client: Any, raw: bytes, name: str, message: str | None
) -> None:
    response = upload(alice_client, raw, name)
    if message is None:  # read fine: on to the mapping step
        assert response.status_code == 302
        assert alice_client.get(response.url).status_code == 200
    else:
        assert response.status_code == 200
        assert message in response.content.decode()


@pytest.mark.parametrize(("language", "first"), [("de", "Kundennummer;Name;"), ("en", "Customer")])
def test_it_offers_a_template_in_the_interface_language(
    alice_client: Any, alice: Any, language: str, first: str
) -> None:
    alice.profile.language = language
    alice.profile.save()
    response = alice_client.get(reverse("clients:import_template"))
    text = response.content.decode("utf-8-sig")
    assert text.startswith(first)
    assert response["Content-Disposition"].endswith('.csv"')
    # The filled-in template imports as it is.
    reimported = upload(alice_client, text.encode(), "template.csv")
    assert reimported.url.endswith(f"/import/{stored(alice).pk}/")
    xlsx = alice_client.get(reverse("clients:import_template") + "?format=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    delimiter = ";" if language == "de" else ","
    header = next(csv.reader([text.splitlines()[0]], delimiter=delimiter))
    assert [cell.value for cell in sheet[1]] == header


def test_its_steps_are_owner_only(alice: Any, bob: Any) -> None:
    from clients.import_fields import mapping_detect
    from clients.import_files import table_read
    from clients.import_uploads import import_upload_store

    raw = (DATA / "handmade.csv").read_bytes()
    table = table_read(raw=raw)

    def new_upload() -> ImportUpload:
        return import_upload_store(
            user=alice,
            filename="a.csv",
            content=raw,
            table=table,
            detection=mapping_detect(user=alice, table=table),
        )

    upload_row = new_upload()
    assert_owner_only(
        reverse("clients:import_preview", args=[upload_row.pk]), owner=alice, other=bob
    )
    assert_owner_only(
        reverse("clients:import_mapping", args=[upload_row.pk]), owner=alice, other=bob
    )
    assert_owner_only(
        reverse("clients:import_confirm", args=[upload_row.pk]),
        owner=alice,
        other=bob,
        method="post",
        expect=(302,),
    )
    upload_row = new_upload()
    assert_owner_only(
        reverse("clients:import_discard", args=[upload_row.pk]),
        owner=alice,
        other=bob,
        method="post",
        expect=(302,),
    )
    assert not ImportUpload.objects.exists()


def test_it_sweeps_old_uploads(alice: Any, bob: Any, alice_client: Any) -> None:
    import datetime

    import time_machine

    with time_machine.travel(datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)):
        upload(alice_client, (DATA / "handmade.csv").read_bytes())
    from crm.testing import client_for

    upload(client_for(bob), (DATA / "handmade.csv").read_bytes())
    assert list(ImportUpload.objects.values_list("owner__username", flat=True)) == ["bob"]
