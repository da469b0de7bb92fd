"""Which fields can hold a client's personal data (privacy/registry.py; docs/privacy.md).

"kept by law" applies to the rows of issued invoices and sent offers only (§ 147 AO,
§ 14b UStG, § 257 HGB); drafts are deleted with the client.
"""

PERSONAL_DATA = {
    # Kept only as the frame of kept documents, as "Projekt #id" without a description.
    "Project": {"title": "erased", "description": "erased", "currency": "not personal"},
    "ScopeItem": {"title": "erased", "description": "erased", "acceptance_criteria": "erased"},
    "Milestone": {"title": "erased", "delay_reason": "erased"},
    "RevisionRound": {"description": "erased"},
    "ChangeRequest": {
        "title": "erased",
        "description": "erased",
        "alternative": "erased",
        "reply_subject": "erased",
        "reply_body": "erased",
    },
    "Offer": {
        "number": "not personal",
        "intro_text": "kept by law",
        "closing_text": "kept by law",
        "snapshot": "kept by law",
        # The portal acceptance: when stays, the typed name and the address go.
        "accepted_by_name": "erased",
        "accepted_ip": "erased",
    },
    "OfferLine": {"description": "kept by law", "unit": "not personal"},
    "Invoice": {
        "number": "not personal",
        "currency": "not personal",
        "notes": "kept by law",
        "snapshot": "kept by law",
    },
    "InvoiceLine": {"description": "kept by law", "unit": "not personal"},
    # The PDF of a sent offer or issued invoice (binary, kept with it); its hash says nothing.
    "FrozenDocument": {"sha256": "not personal"},
    # A booking record (§ 147 AO): its note stays with the payment.
    "Payment": {"note": "kept by law"},
}
