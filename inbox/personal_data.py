"""Which fields can hold a client's personal data (privacy/registry.py; docs/privacy.md).

The mailbox settings are the freelancer's. Every mail from the client (matched to her, or sent
from her address) is deleted with its raw message and attachments when she is erased.
"""

PERSONAL_DATA = {
    "Mailbox": {
        "host": "not personal",
        "username": "not personal",
        "password_token": "not personal",
        "folder": "not personal",
        "fetch_token": "not personal",
        "last_error_detail": "not personal",
    },
    # The raw bytes are a binary column; the blob row goes with the client's mails.
    "Blob": {"sha256": "not personal"},
    "InboundMail": {
        "message_key": "erased",
        "fingerprint": "erased",
        "message_id": "erased",
        "in_reply_to": "erased",
        "references": "erased",
        "from_address": "erased",
        "from_name": "erased",
        "to_addresses": "erased",
        "subject": "erased",
        "text": "erased",
        "reply_text": "erased",
        "html": "erased",
        "automatic": "erased",
        "notes": "erased",
    },
    "MailAttachment": {"filename": "erased", "content_type": "erased"},
}
