"""Which fields can hold a client's personal data (privacy/registry.py; docs/privacy.md).

Bank statements are the freelancer's booking records (§ 147 AO, 10 years): a booking keeps the
payer's name, IBAN and remittance text. What the app learned about the client (her accounts,
to match later payments) is deleted with her.
"""

PERSONAL_DATA = {
    "BankAccount": {"iban": "not personal", "currency": "not personal"},
    "StatementImport": {
        "file_name": "not personal",
        "file_sha256": "not personal",
        "format": "not personal",
        "statement_ids": "not personal",
    },
    "BankEntry": {
        "key": "not personal",
        "currency": "not personal",
        "counterparty_name": "kept by law",
        "counterparty_iban": "kept by law",
        "remittance": "kept by law",
        "references": "kept by law",
        "end_to_end_id": "kept by law",
        "bank_reference": "not personal",
        "bank_code": "not personal",
        "posting_text": "kept by law",
        "reason": "not personal",
        "reason_params": "kept by law",
    },
    "KnownAccount": {"iban": "erased", "name": "erased"},
}
