from __future__ import annotations

import pytest

from crm.mail import Attachment, MailError, OutgoingMail, mail_build


def test_it_builds_a_multipart_message_with_one_line_subject() -> None:
    email = mail_build(
        OutgoingMail(
            subject="Hallo\nBcc: evil@example.com",
            text="Text",
            html="<p>Text</p>",
            to=["a@example.com"],
            reply_to="me@example.com",
            attachments=[Attachment("a.pdf", b"%PDF-1.7")],
        )
    )
    assert email.subject == "Hallo Bcc: evil@example.com"
    assert email.reply_to == ["me@example.com"]
    assert email.extra_headers["Message-ID"].endswith("@localhost>")  # SITE_URL is an IP here
    assert email.extra_headers["Date"].endswith(("+0100", "+0200"))  # Europe/Berlin, not -0000
    message = email.message()
    assert message.is_multipart()
    assert "a.pdf" in message.as_string()


@pytest.mark.parametrize(
    ("to", "reply_to"), [([], ""), (["a@example.com"], "no address"), (["bad"], "")]
)
def test_it_refuses_invalid_addresses_clearly(to: list[str], reply_to: str) -> None:
    with pytest.raises(MailError):
        mail_build(OutgoingMail(subject="s", text="t", to=to, reply_to=reply_to))
