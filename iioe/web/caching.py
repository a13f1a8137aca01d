"""A short-lived cache of whole pages that every guest sees alike.

Most visits to the public pages (home, course list, course pages) come from
guests, and a guest's page depends only on its address and language. Each web
process keeps such pages for GUEST_PAGE_CACHE_SECONDS in its own memory, so a
hit costs no query and no template rendering. A change to the catalog reaches
guests within that delay; logged-in users always get fresh pages.

The CSRF token of the page's forms (the language switch) is the one part that
differs between guests: it is stored as a placeholder and filled in with the
visitor's own token when the page is served.
"""

import functools
import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation

PAGE_CACHE = "pages"
TOKEN_VALUE = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
TOKEN_PLACEHOLDER = b"\x00csrf-token\x00"
SKIPPED_HEADERS = {"content-length", "set-cookie"}

View = Callable[..., HttpResponse]


def guest_page_cache(view: View) -> View:
    """Serve a guest the page another guest got, while it is fresh.

    Only GET and HEAD of visitors with no session (so surely guests, with no
    pending messages) are served from the cache, and only a plain 200 page
    that set no cookie and touched no session is stored.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        timeout = settings.GUEST_PAGE_CACHE_SECONDS
        if not timeout or not _is_plain_guest_read(request):
            return view(request, *args, **kwargs)

        key = _cache_key(request)
        stored = caches[PAGE_CACHE].get(key)
        if stored is not None:
            return _replay(request, stored)

        response = view(request, *args, **kwargs)
        if _is_shareable(request, response):
            caches[PAGE_CACHE].set(key, _storable(response), timeout)
        return response

    return wrapper


def _is_plain_guest_read(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _cache_key(request: HttpRequest) -> str:
    # The host and scheme too: a page may hold absolute links to itself.
    address = request.build_absolute_uri(request.get_full_path())
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"guest-page:{translation.get_language()}:{digest}"


def _is_shareable(request: HttpRequest, response: HttpResponse) -> bool:
    session = getattr(request, "session", None)
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not (session is not None and session.modified)
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


def _storable(response: HttpResponse) -> tuple[bytes, list[tuple[str, str]]]:
    content = TOKEN_VALUE.sub(rb"\1" + TOKEN_PLACEHOLDER + rb"\2", response.content)
    headers = [
        (name, value)
        for name, value in response.items()
        if name.lower() not in SKIPPED_HEADERS
    ]
    return content, headers


def _replay(
    request: HttpRequest, stored: tuple[bytes, list[tuple[str, str]]]
) -> HttpResponse:
    content, headers = stored
    if TOKEN_PLACEHOLDER in content:
        content = content.replace(TOKEN_PLACEHOLDER, get_token(request).encode())
    return HttpResponse(content, headers=dict(headers))
