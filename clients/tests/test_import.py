"""The client import: reading files, recognising exports, mapping, preview and commit."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from clients.import_fields import mapping_detect
from clients.import_files import ImportFileError, table_read
from clients.import_rows import ImportRefused, import_commit, import_rows_build
from clients.models import Client, ImportPreset
from crm.models import AuditEntry

from .factories import ClientFactory, ContactFactory, TagFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-clients.csv"


def rows_of(user: Any, raw: bytes, filename: str = "clients.csv") -> list[Any]:
    table = table_read(raw=raw, filename=filename)
    return import_rows_build(
        user=user, table=table, mapping=mapping_detect(user=user, table=table).mapping
    )


def commit(user: Any, raw: bytes, filename: str = "clients.csv", **kwargs: Any) -> Any:
    table = table_read(raw=raw, filename=filename)
    mapping = mapping_detect(user=user, table=table).mapping
    return import_commit(user=user, table=table, mapping=mapping, **kwargs)


# --- Every real export ----------------------------------------------------------------------

EXPORTS = [
    # file, recognised as, expected clients: (name, kind, e-mail, salutation, language)
    (
        "google-contacts.csv",
        "google",
        [
            (
                "Weber & Töchter GmbH",
                "company",
                "anna.weber@weber-toechter.example",
                "Frau Weber",
                "de",
            ),
            ("James Miller", "person", "james@miller-studio.example", "", "en"),
            ("Jonas Becker", "person", "jonas.becker@example.org", "", "de"),
        ],
    ),
    (
        "outlook-de.csv",
        "outlook_de",
        [
            (
                "Schneider Bau KG",
                "company",
                "k.schneider@schneider-bau.example",
                "Herr Schneider",
                "de",
            ),
            ("Jürgen Größ", "person", "j.groess@example.de", "Herr Größ", "de"),
        ],
    ),
    (
        "outlook-en.csv",
        "outlook",
        [
            (
                "Brown & Partners Ltd",
                "company",
                "olivia.brown@brownpartners.example",
                "Ms Brown",
                "en",
            ),
            ("Lukas Hofer", "person", "lukas.hofer@example.at", "", "de"),
        ],
    ),
    (
        "apple-contacts.vcf",
        "vcard",
        [
            ("Praxis Hoffmann", "company", "praxis@hoffmann.example", "", "de"),
            ("Linh Nguyen", "person", "linh.nguyen@example.com", "", "en"),
            ("Studio Kranich", "company", "kontakt@studio-kranich.example", "", "de"),
        ],
    ),
    (
        "lexoffice-kunden.csv",
        "lexoffice",
        [
            (
                "Müller & Söhne GmbH",
                "company",
                "info@mueller-soehne.example",
                "Frau Dr. Müller",
                "de",
            ),
            ("Thomas Wagner", "person", "thomas.wagner@example.de", "Herr Wagner", "de"),
            ("Atelier Rot", "company", "hallo@atelier-rot.example", "", "de"),
        ],
    ),
    (
        "sevdesk-kontakte.csv",
        "sevdesk",
        [
            ("Kanzlei Fischer", "company", "kanzlei@fischer.example", "", "de"),
            ("Lena Koch", "person", "lena.koch@example.de", "Frau Koch", "de"),
        ],
    ),
    (
        "hubspot-contacts.xlsx",
        "hubspot",
        [
            ("Northwind Trading", "company", "emma.clarke@northwind.example", "", "en"),
            ("Paul Richter", "person", "p.richter@example.de", "", "de"),
        ],
    ),
]


@pytest.mark.parametrize(("filename", "format_key", "expected"), EXPORTS)
def test_it_recognises_and_imports_each_real_export(
    alice: Any, filename: str, format_key: str, expected: list[tuple[str, ...]]
) -> None:
    raw = (DATA / filename).read_bytes()
    table = table_read(raw=raw, filename=filename)
    detection = mapping_detect(user=alice, table=table)
    assert detection.format_key == format_key
    assert detection.certain

    result = commit(alice, raw, filename)

    assert (result.created, result.updated, result.skipped) == (len(expected), 0, 0)
    got = [
        (c.name, c.kind, c.email, c.salutation, c.language)
        for c in Client.objects.filter(owner=alice).order_by("pk")
    ]
    assert got == expected


def test_it_keeps_contact_people_tags_numbers_and_addresses(alice: Any) -> None:
    commit(alice, (DATA / "lexoffice-kunden.csv").read_bytes())
    mueller = Client.objects.get(owner=alice, customer_number="10001")
    assert (mueller.street, mueller.postal_code, mueller.city) == (
        "Industriestraße 7",
        "70173",
        "Stuttgart",
    )
    assert [c.name for c in mueller.contacts.all()] == ["Sabine Müller"]
    commit(alice, (DATA / "google-contacts.csv").read_bytes())
    weber = Client.objects.get(owner=alice, name="Weber & Töchter GmbH")
    # Google's system group "* myContacts" is no tag; " ::: " separates several values.
    assert [t.name for t in weber.tags.all()] == ["Kunden"]
    assert weber.phone == "+49 30 1234567"
    assert weber.website == "https://weber-toechter.example"
    assert weber.contacts.get().role == "Geschäftsführerin"


def test_it_reads_windows_1252_with_semicolons(alice: Any) -> None:
    raw = (DATA / "outlook-de.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = rows_of(alice, raw)
    assert rows[1].data["name"] == "Jürgen Größ"
    assert rows[0].tags == ["Bau", "Stammkunde"]


@pytest.mark.parametrize(
    "raw",
    [
        "\ufeffName;Ort\nBäckerei Süß;Köln\n".encode(),
        "Name;Ort\nBäckerei Süß;Köln\n".encode(),
        "Name;Ort\nBäckerei Süß – €;Köln\n".encode("cp1252"),
        "Name;Ort\nBäckerei Süß;Köln\n".encode("latin-1"),
        b'Name,Ort\n"B\xc3\xa4ckerei S\xc3\xbc\xc3\x9f, Hans",K\xc3\xb6ln\n',
        "Name\tOrt\nBäckerei Süß\tKöln\n".encode("utf-16"),
        "Name|Ort\nBäckerei Süß|Köln\n".encode(),
        "sep=;\nName;Ort\nBäckerei Süß;Köln\n".encode(),
    ],
)
def test_it_reads_any_encoding_and_separator(alice: Any, raw: bytes) -> None:
    (row,) = rows_of(alice, raw)
    assert row.data["name"].startswith("Bäckerei Süß")
    assert row.data["city"] == "Köln"


def test_it_reads_excel_with_numbers_and_formulas_as_values(alice: Any) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name", "PLZ", "Zahlungsziel", "Notiz"])
    sheet.append(["Acme", 10115, 30, "=1+1"])
    out = io.BytesIO()
    workbook.save(out)
    (row,) = rows_of(alice, out.getvalue(), "liste.xlsx")
    assert row.data["postal_code"] == "10115"
    assert row.data["payment_terms_days"] == 30


def test_it_never_writes_a_formula_cell_as_a_formula(alice: Any) -> None:
    (row,) = rows_of(alice, b'Name;Stadt\n=HYPERLINK("http://x");Berlin\n')
    # The text is kept as typed (it is a name here); the export quotes it for Excel again.
    assert row.data["name"] == '=HYPERLINK("http://x")'


def test_it_drops_control_characters(alice: Any) -> None:
    (row,) = rows_of(alice, b"Name;Stadt\nAc\x07me\x1b GmbH;Ber\x0blin\n")
    assert row.data["name"] == "Acme GmbH"
    assert row.data["city"] == "Berlin"


def test_it_stores_text_in_nfc_like_every_form(alice: Any) -> None:
    # macOS writes "ü" as "u" + U+0308: it looks the same and must search and compare the same.
    (row,) = rows_of(alice, "Name;Stadt\nMu\u0308ller GmbH;Mu\u0308nchen\n".encode())
    assert (row.data["name"], row.data["city"]) == ("Müller GmbH", "München")


@pytest.mark.parametrize(
    ("raw", "filename", "message"),
    [
        (b"", "x.csv", "The file is empty."),
        (b"  \r\n ", "x.csv", "The file is empty."),
        (b"Name;E-Mail\r\n", "x.csv", "holds no clients"),
        (bytes(range(256)) * 40, "x.csv", "not a table we can read"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "logo.png", "not a table we can read"),
        (b"PK\x03\x04garbage", "x.xlsx", "not a table we can read"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100, "old.xls", "old Excel file"),
        (b"a" * (5 * 1024 * 1024 + 1), "big.csv", "larger than 5 MB"),
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n", "x.vcf", "vCard"),
    ],
)
def test_it_answers_bad_files_clearly(raw: bytes, filename: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        table_read(raw=raw, filename=filename)


def test_it_refuses_a_workbook_with_entity_expansion() -> None:
    """A "billion laughs" sheet: defusedxml (through openpyxl) refuses it, quickly and clearly."""
    import zipfile

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Name"])
    workbook.active.append(["Acme"])
    plain = io.BytesIO()
    workbook.save(plain)
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "&lol;" * 10}">' for i in range(9)
        )
        + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol8;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    hostile = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = laughs.encode()
            target.writestr(item, data)
    with pytest.raises(ImportFileError, match="workbook cannot be read"):
        table_read(raw=hostile.getvalue(), filename="laughs.xlsx")


def test_it_refuses_too_many_rows(monkeypatch: Any) -> None:
    from clients import import_files

    monkeypatch.setattr(import_files, "MAX_ROWS", 2)
    with pytest.raises(ImportFileError, match="more than 2 clients"):
        table_read(raw=b"Name\nA\nB\nC\n")


# --- Mapping --------------------------------------------------------------------------------


def test_it_suggests_a_mapping_for_an_unknown_sheet(alice: Any) -> None:
    table = table_read(raw=(DATA / "handmade.csv").read_bytes())
    detection = mapping_detect(user=alice, table=table)
    assert not detection.certain
    assert detection.mapping == {"0": "name", "1": "email", "2": "phone", "3": "salutation"}


def test_it_guesses_columns_from_their_content(alice: Any) -> None:
    raw = b"Wer;Spalte B;Spalte C;X\nAcme;a@acme.example;www.acme.example;Sie\nB;b@b.example;;du\n"
    table = table_read(raw=raw)
    mapping = mapping_detect(user=alice, table=table).mapping
    assert mapping == {"1": "email", "2": "website", "3": "form_of_address"}


def test_it_ignores_unknown_columns_instead_of_refusing_the_file(alice: Any) -> None:
    rows = rows_of(
        alice, b"Name;E-Mail;Telefon;Anrede;Lieblingsfarbe\nAnna Schulz;a@s.de;;Frau;blau\n"
    )
    assert rows[0].errors == []
    assert rows[0].data["salutation"] == "Frau Schulz"
    assert rows[0].data["kind"] == "person"


def test_it_applies_a_saved_preset_to_files_with_the_same_headers(alice: Any, bob: Any) -> None:
    from clients.import_uploads import import_mapping_save, import_upload_store

    raw = b"Wer;Post\nAcme;info@acme.example\n"
    table = table_read(raw=raw)
    upload = import_upload_store(
        user=alice,
        filename="a.csv",
        content=raw,
        table=table,
        detection=mapping_detect(user=alice, table=table),
    )
    import_mapping_save(
        upload=upload, table=table, mapping={"0": "name", "1": "email"}, preset_name="Altes CRM"
    )
    again = mapping_detect(user=alice, table=table_read(raw=b"Wer;Post\nB;b@b.example\n"))
    assert again.certain
    assert again.preset == ImportPreset.objects.get(owner=alice)
    assert again.mapping == {"0": "name", "1": "email"}
    assert not mapping_detect(user=bob, table=table).certain  # presets are per freelancer


# --- Preview: create, update, skip, error ----------------------------------------------------


def test_it_updates_by_customer_number_or_email_and_skips_what_is_up_to_date(alice: Any) -> None:
    by_number = ClientFactory(owner=alice, name="Old Name", customer_number="10001", city="Bonn")
    by_email = ClientFactory(owner=alice, name="Thomas Wagner", email="thomas.wagner@example.de")
    by_email.tags.add(TagFactory(owner=alice, name="Bestand"))
    same = ClientFactory(
        owner=alice,
        kind="company",
        name="Atelier Rot",
        email="hallo@atelier-rot.example",
        customer_number="10003",
        street="Schillerplatz 1",
        postal_code="04109",
        city="Leipzig",
        country="DE",
    )
    raw = (DATA / "lexoffice-kunden.csv").read_bytes()
    rows = rows_of(alice, raw)
    assert [(row.action, row.client) for row in rows] == [
        ("update", by_number),
        ("update", by_email),
        ("skip", same),
    ]
    assert {"name", "city"} <= set(rows[0].changes)
    assert rows[2].notes == ["Already up to date."]

    result = commit(alice, raw)

    assert (result.created, result.updated, result.skipped) == (0, 2, 1)
    by_number.refresh_from_db()
    assert (by_number.name, by_number.city) == ("Müller & Söhne GmbH", "Stuttgart")
    assert by_email.customer_number == ""
    assert by_email.tags.count() == 1
    by_email.refresh_from_db()
    assert by_email.customer_number == "10002"
    assert AuditEntry.objects.filter(action="update", object_id=str(by_number.pk)).exists()


def test_it_never_blanks_or_defaults_over_what_a_client_has(alice: Any) -> None:
    client = ClientFactory(
        owner=alice, name="Acme", email="info@acme.example", language="en", phone="+1 555 0100"
    )
    ContactFactory(client=client, name="Eva")
    (row,) = rows_of(alice, b"Name;E-Mail;Telefon\nAcme;INFO@acme.example;\n")
    assert row.action == "skip"
    client.refresh_from_db()
    assert (client.language, client.phone) == ("en", "+1 555 0100")


def test_it_skips_the_second_row_of_the_same_client(alice: Any) -> None:
    rows = rows_of(alice, b"Name;E-Mail\nA;a@x.example\nA again;A@x.example\n")
    assert [row.action for row in rows] == ["create", "skip"]
    assert rows[1].notes == ["The same client as line 2."]


def test_it_names_the_files_own_columns_in_errors(alice: Any) -> None:
    raw = b"First Name,Last Name,E-mail 1 - Value,Phone 1 - Value\nAnna,Weber,not-an-address,abc\n"
    (row,) = rows_of(alice, raw)
    assert row.action == "error"
    text = " ".join(row.errors)
    assert "“E-mail 1 - Value”: Enter a valid email address." in text
    assert "“Phone 1 - Value”:" in text
    assert "e_mail" not in text


def test_it_explains_a_missing_name_and_a_bad_choice_in_words(alice: Any) -> None:
    rows = rows_of(alice, b"Name;E-Mail;Sprache\n;a@b.example;de\nB;;Klingonisch\n")
    assert rows[0].errors == ["No name: fill in “Name”."]
    assert rows[1].errors == ["“Sprache”: “Klingonisch” is not one of German, English."]


def test_it_shows_labels_in_the_users_language(alice: Any) -> None:
    (row,) = rows_of(alice, b"Name;Sprache;Anrede\nA;en;du\n")
    assert (row.data["language"], row.data["form_of_address"]) == ("en", "informal")
    with translation.override("de"):
        assert (row.language_label, row.form_label) == (
            "Englisch",
            "Informell (du / lockeres Englisch)",
        )
    assert (row.language_label, row.form_label) == ("English", "Informal (du / casual English)")


# --- Commit: all or nothing -----------------------------------------------------------------


def test_it_imports_nothing_while_a_row_has_an_error(alice: Any) -> None:
    with pytest.raises(ImportRefused, match="Line 3"):
        commit(alice, b"Name;E-Mail\nGood;good@x.example\nBad;nope\n")
    assert not Client.objects.exists()


def test_it_leaves_out_rows_with_errors_only_when_asked(alice: Any) -> None:
    result = commit(alice, b"Name;E-Mail\nGood;good@x.example\nBad;nope\n", skip_errors=True)
    assert (result.created, result.skipped) == (1, 1)
    assert list(Client.objects.values_list("name", flat=True)) == ["Good"]


def test_it_rolls_back_everything_when_a_write_fails(alice: Any, monkeypatch: Any) -> None:
    from clients import import_rows

    existing = ClientFactory(owner=alice, name="Old", email="old@x.example")

    def fail(**kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(import_rows, "audit_record", fail)
    with pytest.raises(RuntimeError):
        commit(alice, b"Name;E-Mail\nNew;new@x.example\nRenamed;old@x.example\n")
    assert list(Client.objects.values_list("name", flat=True)) == ["Old"]
    existing.refresh_from_db()
    assert existing.name == "Old"


def test_it_imports_the_50_row_sample(alice: Any) -> None:
    result = commit(alice, SAMPLE.read_bytes())
    assert result.created == 50
    assert Client.objects.filter(owner=alice).count() == 50
