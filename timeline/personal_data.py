"""Which fields can hold a client's personal data (privacy/registry.py; docs/privacy.md)."""

PERSONAL_DATA = {
    # The client's timeline is deleted with the client's data.
    "Activity": {"summary": "erased", "detail": "erased"},
}
