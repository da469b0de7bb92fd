"""Reads of the projects app, one module per subdomain (``project``, ``scope``, ``offers``,
``invoices``): querysets and the plain data pages show. They write nothing."""
