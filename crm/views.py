"""Views of the crm app: sign-up, the freelancer's settings, language switch, health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .forms import EMAIL_TAKEN, ProfileForm, SignupForm
from .models import Profile

LANGUAGE_CODES = set(Profile.Language.values)


def _remember_language(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create a freelancer account and log it in."""
    if request.user.is_authenticated:
        return redirect("crm:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
        except IntegrityError:
            # Two sign-ups with one address at the same moment: the unique index decides.
            form.add_error("email", EMAIL_TAKEN)
        else:
            login(request, user, backend="crm.backends.EmailOrUsernameBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("crm:profile")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Edit the freelancer's business details and preferences."""
    profile, _created = Profile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST":
        if form.is_valid():
            profile = services.profile_update(form=form)
            translation.activate(profile.language)
            messages.success(request, _("Your settings were saved."))
            response = redirect("crm:profile")
            _remember_language(response, profile.language)
            return response
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return render(request, "crm/profile_form.html", {"form": form})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: on the profile when logged in, and in a cookie."""
    language = request.POST.get("language", "")
    if language not in LANGUAGE_CODES:
        language = settings.LANGUAGE_CODE
    if request.user.is_authenticated:
        Profile.objects.update_or_create(user=request.user, defaults={"language": language})
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    _remember_language(response, language)
    return response


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Answer 200 when the database answers (for load balancers and `make run`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
