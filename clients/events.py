"""What the clients app tells the apps above it, without knowing them (as projects/events.py).

Each event is a Django signal a service sends inside its transaction, after its rows are
written; receivers connected in the upper apps' ``AppConfig.ready()`` commit or roll back with
it. Keyword arguments are model instances as the service left them, and ``actor``.
"""

from django.dispatch import Signal

# client, old, new, actor: the client's relationship status changed (e.g. to "paused").
client_status_changed = Signal()
