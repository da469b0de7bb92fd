"""The first-run setup pages: one step at a time, each skippable (dashboard/setup.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.models import Profile
from crm.senders import sender_context
from crm.services import profile_update

from . import setup
from .forms import SetupBusinessForm, SetupReplyForm


def _skipped(request: HttpRequest) -> list[str]:
    return list(request.session.get(setup.SKIPPED_SESSION_KEY, []))


def _go_on(request: HttpRequest, after: str = "") -> HttpResponse:
    step = setup.setup_next(user=request.user, skipped=_skipped(request), after=after)
    if step is None:
        messages.success(request, _("You are set up. Here is your day."))
        return redirect("dashboard:index")
    return redirect("dashboard:setup_step", step.key)


@login_required
@require_GET
def setup_start(request: HttpRequest) -> HttpResponse:
    """Start (or resume) the setup at the first step not done yet."""
    request.session[setup.SKIPPED_SESSION_KEY] = []
    return _go_on(request)


@login_required
@require_http_methods(["GET", "POST"])
def setup_step(request: HttpRequest, key: str) -> HttpResponse:
    """Show one step; a valid POST saves it and goes on to the next."""
    step = setup.setup_step(key)
    if step is None:
        raise Http404
    profile, _created = Profile.objects.get_or_create(user=request.user)
    context: dict[str, Any] = {
        "step": step,
        "steps": [(s, s.done(request.user)) for s in setup.STEPS],
        "number": setup.STEPS.index(step) + 1,
        "count": len(setup.STEPS),
    }
    if key == "business":
        form = SetupBusinessForm(request.POST or None, instance=profile)
        if request.method == "POST" and form.is_valid():
            profile_update(form=form)
            return _go_on(request, after=key)
        context["form"] = form
    elif key == "sender":
        mode = getattr(settings, "CLIENT_MAIL_FROM", "operator")
        reply_form = SetupReplyForm(
            request.POST or None,
            instance=profile,
            initial={"reply_to_email": profile.reply_to_email or request.user.email},
        )
        if request.method == "POST" and mode == "operator" and reply_form.is_valid():
            reply_form.save()
            return _go_on(request, after=key)
        if request.method == "POST" and mode != "operator":
            return _go_on(request, after=key)  # "Continue": the link may come later
        context.update({**sender_context(profile), "reply_form": reply_form, "next": request.path})
    elif request.method == "POST":
        return _go_on(request, after=key)
    return render(request, step.template, context)


@login_required
@require_POST
def setup_skip(request: HttpRequest, key: str) -> HttpResponse:
    """Skip a step for now; the dashboard keeps offering it."""
    if setup.setup_step(key) is None:
        raise Http404
    request.session[setup.SKIPPED_SESSION_KEY] = [*_skipped(request), key]
    return _go_on(request, after=key)
