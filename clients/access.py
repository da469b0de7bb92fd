"""Access helpers of the clients app: another freelancer's id looks missing (404)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from .models import Client, ImportUpload, Note


def access_client(user: Any, client_id: int) -> Client:
    """Return the user's client or raise Http404 (another user's id looks missing)."""
    return get_object_or_404(Client.objects.owned_by(user), pk=client_id)


def access_note(user: Any, note_id: int) -> Note:
    """Return the user's note (with its client) or raise Http404."""
    return get_object_or_404(Note.objects.owned_by(user).select_related("client"), pk=note_id)


def access_import_upload(user: Any, upload_id: int) -> ImportUpload:
    """Return the user's unfinished import upload or raise Http404."""
    return get_object_or_404(ImportUpload.objects.owned_by(user), pk=upload_id)
