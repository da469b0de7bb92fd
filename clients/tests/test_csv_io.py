"""CSV export and the vCard of one client (the import is tested in test_import*.py)."""

from __future__ import annotations

from typing import Any

import pytest

from clients import csv_io
from clients.import_fields import mapping_detect
from clients.import_files import table_read
from clients.import_rows import import_rows_build
from clients.models import Client

from .factories import ClientFactory, ContactFactory, TagFactory

pytestmark = pytest.mark.django_db


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
    table = table_read(raw=text.encode(), filename="export.csv")
    detection = mapping_detect(user=alice, table=table)
    assert detection.format_key == "template"
    rows = import_rows_build(user=alice, table=table, mapping=detection.mapping)
    assert [row.action for row in rows] == ["skip"]  # the same client, already up to date


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
