"""What the projects app tells the apps above it, without knowing them.

Each event is a Django signal that a service sends *inside its transaction*, after its own rows
are written. Receivers are connected by the upper apps in their ``AppConfig.ready()``; they run
in the same transaction, so what they write commits or rolls back with the change that caused
it (a paid invoice and the cancellation of its reminders are one commit, and the dispatcher can
never claim a reminder for an invoice that is already paid). A receiver that reaches the
outside world (mail, a Celery task) defers that part with ``transaction.on_commit``.

Keyword arguments are model instances as the service left them, and ``actor`` (a user, or a
string such as "client portal" or "system").
"""

from django.dispatch import Signal

# project, old, new, actor: the project's status changed (a transition the rules allowed).
project_status_changed = Signal()

# milestone, actor: a milestone was added or edited (its due date, forecast or done date may
# have moved); communications plans, replaces or withdraws its delay notice after the commit.
milestone_changed = Signal()

# offer, actor: a draft offer was frozen and sent.
offer_sent = Signal()

# offer, old, new, actor: the client's answer (accepted / declined) or expiry of a sent offer.
offer_answered = Signal()

# change_request, decision ("accepted" | "declined"), actor: a change request was decided.
change_request_decided = Signal()

# invoice, actor: a draft invoice got its number and was frozen.
invoice_issued = Signal()

# invoice, cancellation, actor: an issued invoice was cancelled by a cancellation invoice.
invoice_cancelled = Signal()

# invoices, payments: money was recorded against invoices (each now partly paid or paid), one
# event per batch of payments (a payment entered by hand, or a bank statement's thousands).
invoice_payments_recorded = Signal()
