"""Read one raw e-mail into plain values, whatever state it arrives in.

Mail from the outside is often broken: missing or wrong charsets (Windows-1252 labelled UTF-8),
8-bit bytes in headers, malformed MIME, HTML only, thousands of recipients. ``mail_parse`` never
raises: it decodes what it can, says what it had to guess (``notes``), and leaves the raw bytes
to the caller, who keeps them, so nothing is lost.

The standard library's ``email`` package with the ``compat32`` policy parses the structure (it is
the most forgiving: a defect becomes a note on the part, not an exception); the text is decoded
here with a strict-then-fallback rule, because imap-tools and the ``email`` package both decode
with ``errors="ignore"``/``"replace"`` and would silently drop every umlaut of a Windows-1252
mail that claims to be UTF-8.
"""

from __future__ import annotations

import datetime
import email
import email.header
import email.message
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import nh3
from inscriptis import get_text
from mailparser_reply import EmailReplyParser

from crm.text import text_clean

FALLBACK_CHARSET = "cp1252"
MAX_TEXT = 200_000  # characters of text kept per mail (the raw original keeps the rest)
MAX_RECIPIENTS_KEPT = 50
MAX_REFERENCES = 50


def clean(value: str) -> str:
    """Return ``value`` as text may be stored (crm/text.py): no NUL, which PostgreSQL refuses,
    nor any other character XML 1.0 forbids; NFC."""
    return text_clean(value)


# --- Decoding -------------------------------------------------------------------------------


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, bool]:
    """Return ``data`` as text and whether a fallback was needed.

    The declared charset is tried strictly; then UTF-8; then Windows-1252 (what mislabelled
    mail from Windows programs is, almost always; it maps nearly every byte), with replacement
    characters for the few bytes it leaves undefined.
    """
    tried = []
    for candidate in (charset, "utf-8"):
        if not candidate or candidate in tried:
            continue
        tried.append(candidate)
        try:
            return data.decode(candidate), candidate != (charset or candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode(FALLBACK_CHARSET, errors="replace"), True


def _raw_str(value: Any) -> tuple[str, bool]:
    """Return a header value as a str, raw 8-bit bytes decoded (RFC 2047 words left as they are).

    ``compat32`` hands 8-bit headers over as ``Header`` objects of charset ``unknown-8bit``
    (``str()`` of which is replacement characters) or as text with surrogate escapes.
    """
    if isinstance(value, email.header.Header):
        parts, guessed = [], False
        for chunk, charset in email.header.decode_header(value):
            if isinstance(chunk, bytes):
                text, fallback = decode_bytes(chunk, None if charset == "unknown-8bit" else charset)
                parts.append(text)
                guessed |= fallback
            else:
                parts.append(chunk)
        return "".join(parts), guessed
    value = str(value)
    try:
        value.encode("utf-8")
        return value, False
    except UnicodeEncodeError:
        return decode_bytes(value.encode("ascii", "surrogateescape"), None)


def _words(value: str) -> tuple[str, bool]:
    """Return ``value`` with RFC 2047 encoded words decoded, on one line."""
    guessed = False
    parts = []
    try:
        chunks = email.header.decode_header(value)
    except Exception:  # a broken encoded word: keep the header as it came
        chunks = [(value, None)]
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            text, fallback = decode_bytes(chunk, charset)
            guessed |= fallback and charset is not None
            parts.append(text)
        else:
            parts.append(chunk)
    return " ".join("".join(parts).split()), guessed


def header_text(message: email.message.Message, name: str) -> tuple[str, bool]:
    """Return a header as one line of text (RFC 2047 words and 8-bit bytes decoded)."""
    value = message.get(name)
    if value is None:
        return "", False
    raw, raw_guess = _raw_str(value)
    text, word_guess = _words(raw)
    return text, raw_guess or word_guess


# --- Structure ------------------------------------------------------------------------------


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    size: int
    content: bytes | None  # None: larger than the limit, not kept


@dataclass
class ParsedMail:
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    from_address: str
    from_name: str
    to: list[str]
    recipient_count: int
    subject: str
    sent_at: datetime.datetime | None
    text: str
    html: str  # sanitised
    attachments: list[ParsedAttachment]
    automatic: str  # why it is an automatic mail ("" for a person's mail)
    notes: list[dict[str, Any]] = field(default_factory=list)
    headers_only: bool = False

    @property
    def fingerprint(self) -> str:
        """Return a short hash of sender, date and subject (two mails sharing a Message-ID)."""
        basis = f"{self.from_address}|{self.sent_at.isoformat() if self.sent_at else ''}|"
        return hashlib.sha256((basis + self.subject).encode()).hexdigest()[:16]


MESSAGE_ID = re.compile(r"<([^<>\s]{1,250})>")


def message_ids(value: str) -> list[str]:
    """Return the Message-IDs in a header value, without angle brackets."""
    found = MESSAGE_ID.findall(value)
    if not found and value.strip() and " " not in value.strip() and len(value.strip()) <= 250:
        found = [value.strip()]
    return [clean(found_id) for found_id in found if clean(found_id)]


def _addresses(message: email.message.Message, names: tuple[str, ...]) -> list[str]:
    values = []
    for name in names:
        for value in message.get_all(name, []) or []:
            values.append(_raw_str(value)[0])
    try:
        pairs = email.utils.getaddresses(values)
    except Exception:
        return []
    return [address.strip() for _name, address in pairs if "@" in address]


def _iter_parts(part: email.message.Message) -> Any:
    """Yield the leaves of the MIME tree; a forwarded message (message/rfc822) is one leaf."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    payload = part.get_payload()
    if isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, email.message.Message):
                yield from _iter_parts(sub)


def _part_bytes(part: email.message.Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner:
            try:
                return inner[0].as_bytes()
            except Exception:
                return str(inner[0]).encode("utf-8", "replace")
        return b""
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        raw = part.get_payload()
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return data


def _filename(part: email.message.Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if name:
        name = _words(_raw_str(name)[0])[0]
    name = " ".join(name.replace("/", "_").replace("\\", "_").split())[:200]
    if not name and part.get_content_type() == "message/rfc822":
        name = "message.eml"
    return name


def _is_attachment(part: email.message.Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment" or part.get_content_type() == "message/rfc822":
        return True
    return not (part.get_content_maintype() == "text" and not part.get_filename())


# --- Automatic mail -------------------------------------------------------------------------

AUTO_SUBJECT = re.compile(
    r"^(?:(?:re|aw|antw|fw|fwd|wg)\s*:\s*)*"
    r"(?:abwesenheitsnotiz|automatische\s+antwort|automatic\s+reply|auto(?:matic)?[-\s]?reply"
    r"|autoreply|auto-response|out\s+of\s+(?:the\s+)?office|abwesend|nicht\s+im\s+büro"
    r"|urlaubsbedingt\s+abwesend|delivery\s+status\s+notification|undeliverable"
    r"|unzustellbar|mail\s+delivery\s+failed)",
    re.IGNORECASE,
)
AUTO_PRECEDENCE = {"bulk", "auto_reply", "list", "junk"}


def automatic_reason(message: email.message.Message, subject: str, from_address: str) -> str:
    """Return why ``message`` was sent by a machine (RFC 3834 and the usual habits), or ""."""
    auto_submitted = header_text(message, "Auto-Submitted")[0].lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"[:100]
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if message.get(name) is not None:
            return name
    precedence = header_text(message, "Precedence")[0].lower().strip()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if message.get_content_type() == "multipart/report":
        return "multipart/report"
    local = from_address.split("@", 1)[0].lower()
    if local in {"mailer-daemon", "postmaster"}:
        return from_address[:100]
    if AUTO_SUBJECT.search(subject):
        return "Subject"
    return ""


DATEISH = re.compile(
    r"\d{1,2}\.\s?\d{1,2}\.|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}|\b(?:bis|until|till|back|zurück"
    r"|wieder|ab dem|from)\b",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])")


def auto_reply_line(text: str, limit: int = 200) -> str:
    """Return the sentence of an auto-reply worth showing: the first that names a date or a
    return ("Ich bin bis 12.01. nicht im Büro."), else the first one."""
    sentences = [
        " ".join(sentence.split())
        for paragraph in text.split("\n\n")
        for sentence in SENTENCE_END.split(" ".join(paragraph.split()))
        if sentence.strip()
    ]
    chosen = next((s for s in sentences if DATEISH.search(s)), sentences[0] if sentences else "")
    return chosen if len(chosen) <= limit else chosen[: limit - 1].rstrip() + "…"


# --- Text ---------------------------------------------------------------------------------

QUOTED_TAIL = re.compile(r"(?:\n[ \t]*(?:>.*)?)+\Z")


def reply_text(text: str) -> str:
    """Return only what the sender wrote now: quoted history and signature removed.

    mail-parser-reply knows the German and English "Am ... schrieb ...:" / "On ... wrote:"
    lines, Outlook's "Von:/From:" blocks and common sign-offs; a quoted tail without such a
    line ("> ...") is cut here as well.
    """
    if not text.strip():
        return ""
    try:
        parsed = EmailReplyParser(languages=["de", "en"]).read(text)
        newest = parsed.replies[0].body if parsed.replies else text
    except Exception:  # the parser's regular expressions on very odd input
        newest = text
    newest = QUOTED_TAIL.sub("", "\n" + newest).strip()
    return newest or text.strip()


HTML_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "li",
    "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "u", "ul",
}  # fmt: skip


def html_sanitise(html: str) -> str:
    """Return ``html`` with only harmless markup: no script, style, images, forms or handlers.

    nh3 (the Rust ammonia sanitiser) keeps the tags above, links with http(s)/mailto only
    (``rel="noopener noreferrer nofollow"``), and drops every attribute besides ``href``. The
    page's CSP would block scripts and remote images anyway; this makes it not depend on it.
    """
    return nh3.clean(
        html,
        tags=HTML_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def html_to_text(html: str) -> str:
    """Return readable text of an HTML mail (block elements on their own lines)."""
    try:
        text = get_text(html)
    except Exception:
        text = nh3.clean(html, tags=set())
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


# --- The whole mail -------------------------------------------------------------------------


def _date(message: email.message.Message) -> datetime.datetime | None:
    value = header_text(message, "Date")[0]
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    if (
        not datetime.datetime(1990, 1, 1, tzinfo=datetime.UTC)
        <= parsed
        <= datetime.datetime(2200, 1, 1, tzinfo=datetime.UTC)
    ):
        return None
    return parsed


def mail_parse(raw: bytes, *, attachment_limit: int, headers_only: bool = False) -> ParsedMail:
    """Return the parts of ``raw`` that the inbox shows and matches on; never raises."""
    notes: list[dict[str, Any]] = []
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception:  # the parser is lenient; this is the last line of defence
        message = email.message.Message()
        notes.append({"code": "unreadable"})
    subject, guessed = header_text(message, "Subject")
    from_list = _addresses(message, ("From",))
    from_address = from_list[0].lower() if from_list else ""
    recipients = _addresses(message, ("To", "Cc"))
    body = _Body() if headers_only else _body(message, attachment_limit=attachment_limit)
    notes.extend(body.notes)
    if message.defects or any(
        getattr(part, "defects", None) for part in message.walk() if part is not message
    ):
        notes.append({"code": "malformed"})
    if guessed or body.guessed:
        notes.append({"code": "charset_guessed"})
    html = "\n".join(body.html_parts)
    text = "\n\n".join(part.strip("\n") for part in body.text_parts if part.strip())
    if not text and html:
        text = html_to_text(html)
        notes.append({"code": "html_only"})
    for attachment in body.attachments:
        attachment.filename = clean(attachment.filename)
    return ParsedMail(
        message_id=clean((message_ids(header_text(message, "Message-ID")[0]) or [""])[0]),
        in_reply_to=message_ids(header_text(message, "In-Reply-To")[0])[:MAX_REFERENCES],
        references=message_ids(header_text(message, "References")[0])[-MAX_REFERENCES:],
        from_address=clean(from_address[:320]),
        from_name=clean(_from_name(message)[:200]),
        to=[clean(address) for address in recipients[:MAX_RECIPIENTS_KEPT]],
        recipient_count=len(recipients),
        subject=clean(subject[:500]),
        sent_at=_date(message),
        text=clean(text[:MAX_TEXT]),
        html=clean(html_sanitise(html[: MAX_TEXT * 2])) if html else "",
        attachments=body.attachments,
        automatic=automatic_reason(message, subject, from_address),
        notes=notes,
        headers_only=headers_only,
    )


def _from_name(message: email.message.Message) -> str:
    """Return the sender's display name ("" when the From header cannot be read)."""
    try:
        return _words(email.utils.parseaddr(_raw_str(message.get("From", ""))[0])[0])[0]
    except Exception:
        return ""


@dataclass
class _Body:
    """The decoded parts of a mail: texts, HTML, attachments, and what went wrong."""

    text_parts: list[str] = field(default_factory=list)
    html_parts: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    guessed: bool = False  # a charset was guessed


def _body(message: email.message.Message, *, attachment_limit: int) -> _Body:
    """Decode every part; an attachment over ``attachment_limit`` keeps its name, not its bytes."""
    body = _Body()
    for part in _iter_parts(message):
        try:
            content_type = part.get_content_type()
            if _is_attachment(part):
                data = _part_bytes(part)
                name = _filename(part) or f"attachment-{len(body.attachments) + 1}"
                keep = len(data) <= attachment_limit
                if not keep:
                    body.notes.append(
                        {"code": "attachment_skipped", "name": name, "size": len(data)}
                    )
                body.attachments.append(
                    ParsedAttachment(name, content_type[:100], len(data), data if keep else None)
                )
                continue
            data = _part_bytes(part)
            text, fallback = decode_bytes(data, part.get_content_charset())
            body.guessed |= fallback
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            (body.html_parts if content_type == "text/html" else body.text_parts).append(text)
        except Exception:
            body.notes.append({"code": "part_unreadable"})
    return body
