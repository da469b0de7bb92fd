"""Rate limits for public and e-mail-sending endpoints (django-ratelimit, counted in the cache).

The account endpoints (log-in, sign-up, password reset and change, e-mail confirmation) are
limited by django-allauth (ACCOUNT_RATE_LIMITS); this decorator covers the rest, e.g. the
portal, where a client acts through a link instead of a log-in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

from .backends import client_ip


def _ip_key(group: str, request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def rate_limit(
    *, group: str, rate_setting: str, methods: tuple[str, ...] = ("POST",), per: str = "ip"
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Answer 429 (the friendly page) once ``rate_setting`` (e.g. "10/h") is used up.

    ``per="ip"`` counts per client address (the proxy-appended one behind a proxy, as the log-in
    throttling does); ``per="token"`` per the URL's ``token`` argument, so one leaked link cannot
    be driven from many addresses either. The setting is read per request, never at import.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                rate = getattr(settings, rate_setting)
                keys: list[Any] = [_ip_key]
                if per == "token" and "token" in kwargs:
                    token = str(kwargs["token"])
                    keys.append(lambda group, request: "token:" + token)
                for key in keys:
                    if is_ratelimited(
                        request,
                        group=group,
                        key=key,
                        rate=rate,
                        method=list(methods),
                        increment=True,
                    ):
                        return render(request, "429.html", status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
