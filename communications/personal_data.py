"""Which fields can hold a client's personal data (privacy/registry.py; docs/privacy.md)."""

PERSONAL_DATA = {
    # Messages to and about the client are deleted with the client's data.
    "Message": {
        "dedupe_key": "not personal",
        "to": "erased",
        "subject": "erased",
        "body_text": "erased",
        "body_html": "erased",
        "last_error": "erased",
        "held_reason": "erased",
        "held_from": "not personal",
        "message_id": "not personal",
        "attachments": "erased",
    },
    "ReminderPause": {"reason": "erased"},
    # The freelancer's own wording, shared by all clients.
    "MessageTemplate": {"subject": "not personal", "body": "not personal"},
}
