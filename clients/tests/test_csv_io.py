"""CSV import (parse, preview, all-or-nothing commit), export and vCard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients import csv_io
from clients.models import Client, Tag
from crm.models import AuditEntry

from .factories import ClientFactory, ContactFactory, TagFactory

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-clients.csv"
HEADER = "name;email;language;form_of_address;salutation;tags"


def parse(user: Any, text: str, encoding: str = "utf-8") -> list[csv_io.ParsedRow]:
    return csv_io.csv_parse(user=user, raw=text.encode(encoding))


def test_it_reads_the_sample_file_of_50_clients(alice: Any) -> None:
    rows = csv_io.csv_parse(user=alice, raw=SAMPLE.read_bytes())
    assert len(rows) == 50
    assert [row for row in rows if row.errors] == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\ufeffname;city\nBäckerei Süß;Köln\n".encode(), "Bäckerei Süß"),
        ("name;city\nBäckerei Süß;Köln\n".encode(), "Bäckerei Süß"),
        ("name;city\nBäckerei Süß – €;Köln\n".encode("cp1252"), "Bäckerei Süß – €"),
        (b'name,city\n"M\xc3\xbcller, Hans",K\xc3\xb6ln\n', "Müller, Hans"),
        ("name\tcity\nBäckerei Süß\tKöln\n".encode("utf-16"), "Bäckerei Süß"),
    ],
)
def test_it_reads_utf8_with_or_without_bom_and_windows_1252(
    alice: Any, raw: bytes, expected: str
) -> None:
    rows = csv_io.csv_parse(user=alice, raw=raw)
    assert rows[0].values["name"] == expected
    assert rows[0].values["city"] == "Köln"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("firma;mail\nAcme;a@b.de\n", "Missing column: name. Unknown columns: firma, mail."),
        ("name;colour\nAcme;red\n", "Unknown columns: colour."),
        ("name;name\nA;B\n", "Columns appear twice: name."),
        ("", "The file is empty."),
        ("name\n", "no clients"),
    ],
)
def test_it_names_wrong_or_missing_columns(alice: Any, text: str, message: str) -> None:
    with pytest.raises(csv_io.CsvFormatError, match=message.replace(".", r"\.")):
        parse(alice, text)


def test_it_refuses_binary_files(alice: Any) -> None:
    with pytest.raises(csv_io.CsvFormatError, match="binary"):
        csv_io.csv_parse(user=alice, raw=b"PK\x03\x04\x00\x00 zipped")


def test_it_reports_errors_per_row(alice: Any) -> None:
    rows = parse(
        alice,
        "name;email;phone;language;form_of_address;payment_terms_days\n"
        "Good;good@example.com;+49 30 123456;Deutsch;Sie;30\n"
        ";nobody@example.com;;de;formal;\n"
        "Bad mail;not-an-email;;de;formal;\n"
        "Bad phone;;call me;de;formal;\n"
        "Bad language;;;fr;casual;\n"
        f"{'x' * 201};;;;;\n"
        "Bad terms;;;;;soon\n",
    )
    errors = {row.line: " ".join(row.errors) for row in rows}
    assert errors[2] == ""
    assert rows[0].values["language"] == "de"
    assert rows[0].values["form_of_address"] == "formal"
    assert "name: This field is required" in errors[3]
    assert "email: Enter a valid email address" in errors[4]
    assert "phone: Enter a phone number" in errors[5]
    assert "language: “fr” is not one of de, en" in errors[6]
    assert "at most 200 characters" in errors[7]
    assert "payment_terms_days: Enter a whole number" in errors[8]


def test_it_warns_about_duplicate_emails_in_file_and_database(alice: Any, bob: Any) -> None:
    existing = ClientFactory(owner=alice, name="Known", email="known@example.com")
    ClientFactory(owner=bob, email="bobs@example.com")
    rows = parse(
        alice,
        "name,email\nA,KNOWN@example.com\nB,twice@example.com\nC,twice@example.com\n"
        "D,bobs@example.com\n",
    )
    assert rows[0].warnings == [
        {
            "kind": "existing",
            "email": "known@example.com",
            "client_id": existing.pk,
            "name": "Known",
        }
    ]
    assert rows[1].warnings == []
    assert rows[2].warnings == [{"kind": "in_file", "email": "twice@example.com", "line": 3}]
    assert rows[3].warnings == []


def test_it_commits_all_rows_with_tags_contacts_and_audit(alice: Any) -> None:
    TagFactory(owner=alice, name="Agentur")
    rows = parse(
        alice,
        "name;tags;contact_name;contact_email\n"
        "Acme;agentur, Neu;Eva;eva@acme.example\nBeta;Neu;;\n",
    )
    created = csv_io.csv_import_commit(user=alice, rows=[row.as_json() for row in rows])
    assert [c.name for c in created] == ["Acme", "Beta"]
    assert sorted(t.name for t in created[0].tags.all()) == ["Agentur", "Neu"]
    assert Tag.objects.filter(owner=alice).count() == 2
    assert created[0].contacts.get().email == "eva@acme.example"
    assert AuditEntry.objects.filter(action="create").count() == 2


def test_it_imports_nothing_when_any_row_is_bad(alice: Any) -> None:
    rows = [
        {"line": 2, "values": {"name": "Fine"}, "errors": [], "warnings": []},
        {"line": 3, "values": {"name": "Tampered", "email": "bad"}, "errors": [], "warnings": []},
    ]
    with pytest.raises(csv_io.CsvFormatError, match="Line 3"):
        csv_io.csv_import_commit(user=alice, rows=rows)
    assert not Client.objects.exists()


def test_it_rolls_back_when_a_later_row_fails_in_the_database(alice: Any, monkeypatch: Any) -> None:
    from clients import services

    calls = {"n": 0}
    real = services.audit_record

    def failing_audit(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(services, "audit_record", failing_audit)
    rows = parse(alice, "name;tags;contact_name\nFirst;New tag;Eva\nSecond;;\n")
    with pytest.raises(RuntimeError):
        csv_io.csv_import_commit(user=alice, rows=[row.as_json() for row in rows])
    assert not Client.objects.exists()
    assert not Tag.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_exports_what_it_imports(alice: Any) -> None:
    client = ClientFactory(owner=alice, name="=cmd|' /C calc'!A0", phone="+49 30 1234567")
    client.tags.add(TagFactory(owner=alice, name="Print"))
    ContactFactory(client=client, name="Eva", role="CEO")
    text = csv_io.csv_export(clients=Client.objects.prefetch_related("tags", "contacts"))
    assert text.splitlines()[0] == ";".join(csv_io.COLUMNS)
    line = text.splitlines()[1]
    assert line.startswith("'=cmd")  # never a formula in Excel
    assert "+49 30 1234567" in line
    assert ";Print;Eva;CEO;" in line
    rows = parse(alice, text)
    assert rows[0].errors == []


def test_it_escapes_and_folds_vcards(alice: Any) -> None:
    client = ClientFactory(
        owner=alice,
        kind="company",
        name="Müller, Söhne; Partner\nGmbH",
        website="https://example.com",
        salutation="Herr " + "Ä" * 60,
    )
    ContactFactory(client=client, name="Hans Müller", role="Chef\\in")
    card = csv_io.vcard_for(client)
    assert "ORG:Müller\\, Söhne\\; Partner\\nGmbH" in card
    assert "TITLE:Chef\\\\in" in card
    assert "FN:Hans Müller" in card
    for line in card.split("\r\n"):
        assert len(line.encode()) <= 75
    assert card.endswith("END:VCARD\r\n")


# --- Views ---------------------------------------------------------------------------------


def upload(client: Any, raw: bytes, name: str = "clients.csv") -> Any:
    return client.post(
        reverse("clients:import"), {"file": SimpleUploadedFile(name, raw, "text/csv")}
    )


def test_it_previews_then_imports_the_sample_in_one_go(alice_client: Any, alice: Any) -> None:
    existing = ClientFactory(owner=alice, name="Known", email="sabineweber0@example.com")
    preview = upload(alice_client, SAMPLE.read_bytes())
    body = preview.content.decode()
    assert "50 rows read." in body
    assert "1 row has a warning." in body
    assert f'href="{existing.get_absolute_url()}"' in body
    assert Client.objects.filter(owner=alice).count() == 1
    token = alice_client.session["clients_import"]["token"]
    response = alice_client.post(reverse("clients:import_confirm"), {"token": token})
    assert response.url == reverse("clients:list")
    assert Client.objects.filter(owner=alice).count() == 51
    again = alice_client.post(reverse("clients:import_confirm"), {"token": token})
    assert again.url == reverse("clients:import")
    assert Client.objects.filter(owner=alice).count() == 51


def test_it_offers_no_import_while_rows_have_errors(alice_client: Any) -> None:
    body = upload(alice_client, b"name;email\nGood;\nBad;nope\n").content.decode()
    assert "1 row has errors" in body
    assert reverse("clients:import_confirm") not in body
    assert "Enter a valid email address" in body


def test_it_shows_column_errors_on_the_upload_form(alice_client: Any) -> None:
    body = upload(alice_client, b"Firma;Mail\nAcme;x\n").content.decode()
    assert "Missing column: name" in body
    assert "Unknown columns: firma, mail" in body


def test_it_refuses_a_forged_confirm(alice_client: Any) -> None:
    response = alice_client.post(reverse("clients:import_confirm"), {"token": "guess"}, follow=True)
    assert "expired" in response.content.decode()
    assert not Client.objects.exists()


def test_it_shows_markup_in_the_preview_as_text(alice_client: Any) -> None:
    body = upload(alice_client, b"name\n<script>alert(1)</script>\n").content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)" in body


def test_it_refuses_files_with_too_many_rows(alice: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(csv_io, "MAX_ROWS", 2)
    with pytest.raises(csv_io.CsvFormatError, match="At most 2 clients per import"):
        parse(alice, "name\nA\nB\nC\n")
