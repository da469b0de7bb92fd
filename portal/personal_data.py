"""Which fields can hold a client's personal data (privacy/registry.py; docs/privacy.md)."""

PERSONAL_DATA = {
    # Deleted with the client's data (the link would otherwise still open the project).
    "PortalLink": {"token": "erased"},
}
