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
        "country_unrecognised": "erased",
        "salutation": "erased",
        "sign_off": "erased",
        # Issued invoices keep them in their snapshots (kept by law); the client row does not.
        "vat_id": "erased",
        "leitweg_id": "erased",
        # The freelancer's own number for the client; the kept invoices refer to it.
        "customer_number": "not personal",
    },
    "Contact": {"name": "erased", "role": "erased", "email": "erased", "phone": "erased"},
    "Note": {"body": "erased", "agreed": "erased"},
    # An uploaded client file lives a day at most (its bytes are not a text column); its name
    # and the column mapping are the freelancer's.
    "ImportUpload": {
        "filename": "not personal",
        "file_kind": "not personal",
        "detected_format": "not personal",
        "mapping": "not personal",
    },
    "ImportPreset": {"name": "not personal", "headers": "not personal", "mapping": "not personal"},
}
