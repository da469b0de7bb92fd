"""Which fields can hold a client's personal data (privacy/registry.py; docs/privacy.md)."""

PERSONAL_DATA = {
    # The operator's invitation of a future freelancer: no client data.
    "Invitation": {"email": "not personal", "token_hash": "not personal"},
}
