import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from iioe.accounts import services as account_services
from iioe.catalog import selectors as catalog_selectors
from iioe.web import selectors
from iioe.web.caching import guest_page_cache

logger = logging.getLogger(__name__)


@require_safe
@guest_page_cache
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "families": catalog_selectors.family_list_with_categories(),
        "featured": catalog_selectors.course_list_featured(limit=6),
    }
    return render(request, "web/home.html", context)


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """Say whether the database answers and a task worker is alive.

    Answers 503 when either is down, so a load balancer or a monitor can act
    on the status code alone.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database_ok = True
        worker_ok = selectors.worker_is_alive()
    except DatabaseError:
        logger.exception("Health check could not reach the database")
        database_ok = worker_ok = False

    healthy = database_ok and worker_ok
    payload = {
        "status": "ok" if healthy else "degraded",
        "database": database_ok,
        "worker": worker_ok,
    }
    return JsonResponse(payload, status=200 if healthy else 503)


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the interface language and go back to the page it came from.

    A guest's choice lives in a cookie; a logged-in user's is saved on the
    account too, so it follows them to other browsers. Only the platform's
    own languages are accepted, and only a local page is returned to.
    """
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"

    response = redirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response

    if request.user.is_authenticated:
        account_services.user_set_language(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@require_safe
@guest_page_cache
def credits(request: HttpRequest) -> HttpResponse:
    return render(request, "web/credits.html")
