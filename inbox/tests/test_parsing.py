"""Reading raw mail: charsets, 8-bit headers, broken MIME, HTML only, auto-replies, quotes."""

from __future__ import annotations

from inbox.parsing import auto_reply_line, decode_bytes, mail_parse, reply_text

from .conftest import mime, sample

LIMIT = 10 * 1024 * 1024


def test_it_reads_windows_1252_that_claims_to_be_utf8_without_losing_umlauts() -> None:
    parsed = mail_parse(sample("cp1252-labelled-utf8.eml"), attachment_limit=LIMIT)
    assert parsed.subject == "Angebot für die Büroräume"
    assert parsed.from_name == "Jürgen Müller"
    assert "Die Größe der Räume stimmt – wir melden uns." in parsed.text
    assert {"code": "charset_guessed"} in parsed.notes


def test_it_reads_raw_8bit_headers_as_utf8() -> None:
    parsed = mail_parse(sample("8bit-headers.eml"), attachment_limit=LIMIT)
    assert parsed.subject == "Rückfrage zur Übergabe – Größen"
    assert parsed.from_name == "Zoë Ångström"
    assert parsed.from_address == "zoe@nordlicht.example"
    assert parsed.text.startswith("Können wir die Übergabe")


def test_it_keeps_what_it_can_read_of_malformed_mime() -> None:
    parsed = mail_parse(sample("malformed-mime.eml"), attachment_limit=LIMIT)
    assert "Der Text ist noch lesbar." in parsed.text
    assert "Zweiter Teil ä" in parsed.text
    assert [a.filename for a in parsed.attachments] == ["rechnung.pdf"]
    assert {"code": "malformed"} in parsed.notes


def test_it_turns_html_only_mail_into_text_and_sanitises_the_html() -> None:
    parsed = mail_parse(sample("html-only.eml"), attachment_limit=LIMIT)
    assert "I'll pay on Friday." in parsed.text
    assert {"code": "html_only"} in parsed.notes
    html = parsed.html.lower()
    for dangerous in ("<script", "onload", "javascript:", "<img", "<style", "tracker.example"):
        assert dangerous not in html
    assert 'href="https://initech.example/"' in parsed.html
    assert reply_text(parsed.text) == "Yeah, I'll pay on Friday.\n\nclick site"


def test_it_recognises_auto_replies_by_header_and_by_subject() -> None:
    german = mail_parse(sample("auto-reply-de.eml"), attachment_limit=LIMIT)
    english = mail_parse(sample("auto-reply-en.eml"), attachment_limit=LIMIT)
    assert german.automatic == "Auto-Submitted: auto-replied"
    assert english.automatic == "Subject"
    assert auto_reply_line(german.text) == (
        "Ich bin bis einschließlich 12.01. nicht im Büro und lese meine E-Mails danach."
    )
    assert auto_reply_line(english.text) == ("I am away until 4 January with no access to email.")
    for headers in (
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "1"},
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
        {"Precedence": "list"},
    ):
        assert mail_parse(mime(headers=headers), attachment_limit=LIMIT).automatic
    for subject in ("Abwesenheitsnotiz: Rechnung", "AW: Automatische Antwort", "Autoreply"):
        assert mail_parse(mime(subject=subject), attachment_limit=LIMIT).automatic
    assert (
        mail_parse(mime(headers={"Auto-Submitted": "no"}), attachment_limit=LIMIT).automatic == ""
    )
    assert mail_parse(mime(subject="Re: Office party"), attachment_limit=LIMIT).automatic == ""


def test_it_strips_quoted_history_and_signatures_in_german_and_english() -> None:
    german = (
        "Hallo Frau Lindner,\n\nich zahle am Freitag.\n\nViele Grüße\nAnna Weber\n\n"
        "Am 12.11.2026 um 10:00 schrieb Mara Lindner <mara@lindner.example>:\n"
        "> Sehr geehrte Frau Weber,\n> die Rechnung ist offen.\n"
    )
    english = (
        "Thanks, I'll pay on Friday.\n\nBest regards,\nBill\n\n"
        "On Thu, 12 Nov 2026 at 10:00, Mara <mara@x.example> wrote:\n> Hi Bill\n"
    )
    outlook = (
        "Passt, danke!\n\n"
        "Von: Mara Lindner <mara@x.example>\nGesendet: Donnerstag, 12. November 2026\n"
        "An: Anna Weber\nBetreff: Rechnung\n\nalter Text\n"
    )
    assert reply_text(german) == "Hallo Frau Lindner,\n\nich zahle am Freitag."
    assert reply_text(english) == "Thanks, I'll pay on Friday."
    assert reply_text(outlook) == "Passt, danke!"
    assert reply_text("Passt so.\n\n> zitiert ohne Kopfzeile\n> noch mehr\n") == "Passt so."


def test_it_counts_5000_recipients_and_keeps_a_few() -> None:
    recipients = ", ".join(f"person{n}@list.example" for n in range(5000))
    parsed = mail_parse(mime(to=recipients), attachment_limit=LIMIT)
    assert parsed.recipient_count == 5000
    assert len(parsed.to) == 50


def test_it_skips_attachments_over_the_limit_and_says_so() -> None:
    raw = mime(attachments=[("gross.bin", b"x" * 2048, "application/octet-stream"),
                            ("klein.txt", b"hallo", "text/plain")])  # fmt: skip
    parsed = mail_parse(raw, attachment_limit=1024)
    big, small = parsed.attachments
    assert (big.filename, big.size, big.content) == ("gross.bin", 2048, None)
    assert small.content == b"hallo"
    assert {"code": "attachment_skipped", "name": "gross.bin", "size": 2048} in parsed.notes


def test_it_survives_garbage_and_nul_bytes() -> None:
    for raw in (b"", b"\x00\x01\x02 not a mail at all", b"Subject: a\x00b\r\n\r\nnul\x00text"):
        parsed = mail_parse(raw, attachment_limit=LIMIT)
        assert "\x00" not in parsed.subject + parsed.text
    parsed = mail_parse(b"Subject: a\x00b\r\n\r\nnul\x00text", attachment_limit=LIMIT)
    assert parsed.subject == "ab"


def test_decode_bytes_tries_the_label_then_utf8_then_windows_1252() -> None:
    assert decode_bytes("grün".encode(), "utf-8") == ("grün", False)
    assert decode_bytes("grün".encode("cp1252"), "utf-8") == ("grün", True)
    assert decode_bytes("grün".encode(), "x-bogus") == ("grün", True)
    assert decode_bytes("grün".encode("latin-1"), "iso-8859-1") == ("grün", False)


def test_it_reads_the_thread_headers() -> None:
    parsed = mail_parse(
        mime(in_reply_to="<abc.1@kundenpflege.crm>", message_id="<x.2@acme.example>"),
        attachment_limit=LIMIT,
    )
    assert parsed.message_id == "x.2@acme.example"
    assert parsed.in_reply_to == ["abc.1@kundenpflege.crm"]
    assert parsed.references == ["abc.1@kundenpflege.crm"]


def test_it_stores_only_xml_characters_in_nfc() -> None:
    raw = (
        b"Subject: Rechnung\x0b2026\x01\r\n\r\nBitte zahlen Sie bis Fre\x0citag. Mu\xcc\x88ller\x1f"
    )
    parsed = mail_parse(raw, attachment_limit=LIMIT)
    assert parsed.subject == "Rechnung 2026"  # a header's vertical tab is folded whitespace
    assert "Bitte zahlen Sie bis Fre\nitag. Müller" in parsed.text
