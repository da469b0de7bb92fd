"""Which fields can hold a client's personal data (privacy/registry.py; docs/privacy.md)."""

PERSONAL_DATA = {
    # The freelancer's own account and business details: theirs, not a client's.
    "User": {
        "password": "not personal",
        "username": "not personal",
        "first_name": "not personal",
        "last_name": "not personal",
        "email": "not personal",
    },
    "Profile": {
        "display_name": "not personal",
        "business_name": "not personal",
        "street": "not personal",
        "postal_code": "not personal",
        "city": "not personal",
        "country": "not personal",
        "country_unrecognised": "not personal",
        "reply_to_email": "not personal",
        "sender_email": "not personal",
        "phone": "not personal",
        "website": "not personal",
        "tax_number": "not personal",
        "vat_id": "not personal",
        "bank_name": "not personal",
        "iban": "not personal",
        "bic": "not personal",
        "calendar_token": "not personal",
        "logo": "not personal",
    },
    # Entries about the client's things lose the object's name, the old values and a
    # portal visitor's typed name; who (the freelancer) did what when stays.
    "AuditEntry": {
        "actor": "erased",
        "object_type": "not personal",
        "object_id": "not personal",
        "object_repr": "erased",
        "changes": "erased",
    },
}
