import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from iioe.accounts import services as account_services
from iioe.catalog import selectors as catalog_selectors
from iioe.web import selectors

logger = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "families": catalog_selectors.family_list_with_categories(),
        "featured": catalog_selectors.course_list_featured(limit=6),
    }
    return render(request, "web/home.html", context)


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Say whether the database answers and a task worker is alive."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database_ok = True
    except Exception:
        logger.exception("Health check could not reach the database")
        database_ok = False

    worker_ok = database_ok and selectors.worker_is_alive()
    status = 200 if database_ok and worker_ok else 503
    payload = {
        "status": "ok" if status == 200 else "degraded",
        "database": database_ok,
        "worker": worker_ok,
    }
    return JsonResponse(payload, status=status)


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remember it for a logged-in user."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"

    response = redirect(next_url)
    if not (language and check_for_language(language)):
        return response

    if request.user.is_authenticated:
        account_services.user_set_language(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
    )
    return response


@require_GET
def credits(request: HttpRequest) -> HttpResponse:
    return render(request, "web/credits.html")
