from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "created_at", "expires_at", "used_at", "used_by")
    fields = ("email",)
    readonly_fields = ("created_at", "expires_at", "used_at", "used_by")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        invitation, token = Invitation.issue(email=obj.email, created_by=request.user)
        obj.pk = invitation.pk
        link = request.build_absolute_uri(reverse("accounts:invitation", args=[token]))
        messages.success(request, _("Invitation link (shown only now): %(link)s") % {"link": link})
