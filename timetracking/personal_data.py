"""Which fields can hold a client's personal data (privacy/registry.py; docs/privacy.md).

Time entries and timers describe the work for a client's project: erasure blanks their
descriptions and keeps the hours (the invoices built from them keep their own lines). An
expense is the freelancer's own booking record (a receipt, § 147 AO): kept.
"""

PERSONAL_DATA = {
    "Timer": {"description": "erased"},
    "TimeEntry": {"description": "erased"},
    "Expense": {"description": "kept by law", "receipt_name": "kept by law"},
    "Retainer": {"title": "erased"},
    "BillingPeriod": {"note": "erased"},
}
