"""Views of the crm app: sign-up, the freelancer's settings, the dashboard, language switch."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import services
from .forms import (  # noqa: F401  (re-exported for crm.urls)
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    SetPasswordForm,
    SignupForm,
)
from .models import Profile


def signup(request: HttpRequest) -> HttpResponse:
    """Create a freelancer account and log it in."""
    if request.user.is_authenticated:
        return redirect("crm:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_sign_up(form=form, language=translation.get_language() or "de")
        login(request, user, backend="crm.backends.EmailOrUsernameBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("crm:profile")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Edit the freelancer's business details and preferences."""
    profile, _created = Profile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                profile = form.save()
            translation.activate(profile.language)
            messages.success(request, _("Your settings were saved."))
            response = redirect("crm:profile")
            response.set_cookie(
                "django_language", profile.language, samesite="Lax", max_age=365 * 24 * 3600
            )
            return response
        messages.error(request, _("Please correct the errors below."))
    return render(request, "crm/profile_form.html", {"form": form})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language (stored on the profile when logged in, else a cookie)."""
    language = request.POST.get("language", "")
    if language not in {"de", "en"}:
        language = "de"
    if request.user.is_authenticated:
        Profile.objects.update_or_create(user=request.user, defaults={"language": language})
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie("django_language", language, samesite="Lax", max_age=365 * 24 * 3600)
    return response


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Answer 200 when the database answers (for load balancers and `make run`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
