"""Which fields can hold a client's personal data (privacy/registry.py; docs/privacy.md)."""

PERSONAL_DATA = {
    # The freelancer's own labels ("agency", "retainer"); the link to the client is removed.
    "Tag": {"name": "not personal"},
    # The row stays as "Gelöschter Kunde #id" for the kept invoices; every detail is blanked.
    "Client": {
        "name": "erased",
        "email": "erased",
        "phone": "erased",
        "website": "erased",
        "street": "erased",
        "postal_code": "erased",
        "city": "erased",
        "country": "erased",
        "salutation": "erased",
        "sign_off": "erased",
    },
    "Contact": {"name": "erased", "role": "erased", "email": "erased", "phone": "erased"},
    "Note": {"body": "erased", "agreed": "erased"},
}
