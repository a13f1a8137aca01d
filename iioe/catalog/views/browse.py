import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from iioe.catalog import search, selectors, services
from iioe.catalog.models import Course, CourseLanguage
from iioe.catalog.views import reviews
from iioe.web.caching import guest_page_cache

# Views count distinct viewers of a course per day. A learner is known by
# their id; a guest by a random token in a long-lived cookie, of which only a
# salted hash reaches the database (and no IP address at all).
VISITOR_COOKIE = "iioe_visitor"
VISITOR_COOKIE_MAX_AGE = 400 * 24 * 60 * 60
VISITOR_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
VISITOR_SALT = "iioe.catalog.course_view"
# A memo of the courses this browser was counted for today, by slug, so that
# a reload costs no query: "<day>.<viewer tag>.<slug>.<slug>...". A plain
# cookie is enough: forging it only stops one's own views from counting, and
# guests need no session row for it.
VIEWED_COOKIE = "iioe_viewed"
VIEWED_MAX = 50
VIEWED_MAX_CHARS = 3000
VIEWED_SEPARATOR = "."

TABS = ("overview", "syllabus", "instructor", "reviews")


@require_safe
@guest_page_cache
def course_list(request: HttpRequest) -> HttpResponse:
    categories = selectors.category_list()
    filters = selectors.course_filters_parse(request.GET, categories=categories)
    results = None
    if filters.q:
        results = search.course_search_page(
            filters=filters, categories=categories, page=request.GET.get("page")
        )
        page = results.page
    else:
        page = selectors.course_page(filters=filters, page=request.GET.get("page"))

    context = {
        "filters": filters,
        "page": page,
        "results": results,
        "families": selectors.family_list_with_categories(categories),
        "languages": CourseLanguage.choices,
        "page_range": page.paginator.get_elided_page_range(
            page.number, on_each_side=1, on_ends=1
        ),
        "query_without_page": _query_without_page(request),
    }
    return render(request, "catalog/course_list.html", context)


@dataclass(frozen=True)
class Viewer:
    key: str
    # A guest's token that their browser does not hold yet.
    new_token: str = ""


@dataclass(frozen=True)
class ViewedMemo:
    prefix: str
    slugs: list[str]


@require_safe
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Show a course, counting each viewer once a day.

    The view is counted before the page is made, so that the count shown
    includes it; the page itself may come from the guest page cache. Once
    counted, the browser's memo spares the query until the next day.
    """
    viewer = _viewer(request)
    memo = _viewed_memo(request, viewer)
    first_view = request.method == "GET" and slug not in memo.slugs
    if first_view:
        services.course_view_record(slug=slug, viewer_key=viewer.key)

    response = _course_page(request, slug)
    if first_view and response.status_code == 200:
        _viewed_cookie_set(response, memo, slug)
        if viewer.new_token:
            _visitor_cookie_set(response, viewer.new_token)
    return response


@guest_page_cache
def _course_page(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_or_404(slug)
    tab = request.GET.get("tab", "")
    if tab == reviews.TAB:
        return reviews.course_page_with_reviews(request, course)
    detail = selectors.course_detail(course=course, user=request.user)

    context = {
        "detail": detail,
        "course": course,
        "tab": tab if tab in TABS else TABS[0],
        "review_count": course.review_count,
    }
    return render(request, "catalog/course_detail.html", context)


@require_POST
def study_plan_add(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_or_404(slug)
    if not request.user.is_authenticated:
        return redirect_to_login(course_url(course))

    services.study_plan_entry_add(user=request.user, course=course)
    messages.success(request, _("The course is in your study plan."))
    return redirect(course_url(course))


@require_POST
def study_plan_remove(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_or_404(slug)
    if not request.user.is_authenticated:
        return redirect_to_login(course_url(course))

    services.study_plan_entry_remove(user=request.user, course=course)
    messages.success(request, _("The course is no longer in your study plan."))
    return redirect(course_url(course))


def course_url(course: Course) -> str:
    return reverse("catalog:course_detail", args=[course.slug])


def _course_or_404(slug: str) -> Course:
    course = selectors.course_get_published(slug=slug)
    if course is None:
        raise Http404
    return course


def _query_without_page(request: HttpRequest) -> str:
    """Return the query string without the page, for links to other pages."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _viewer(request: HttpRequest) -> Viewer:
    if request.user.is_authenticated:
        return Viewer(key=f"u{request.user.pk}")
    token = request.COOKIES.get(VISITOR_COOKIE, "")
    new_token = ""
    if not VISITOR_TOKEN.fullmatch(token):
        token = new_token = secrets.token_urlsafe(24)
    digest = salted_hmac(VISITOR_SALT, token, algorithm="sha256").hexdigest()
    return Viewer(key=f"a{digest[:40]}", new_token=new_token)


def _viewed_memo(request: HttpRequest, viewer: Viewer) -> ViewedMemo:
    """Read today's memo of this viewer; another day's or viewer's is empty."""
    tag = salted_hmac(VISITOR_SALT, viewer.key).hexdigest()[:12]
    prefix = VIEWED_SEPARATOR.join([timezone.localdate().strftime("%Y%m%d"), tag])
    raw = request.COOKIES.get(VIEWED_COOKIE, "")
    if not raw.startswith(prefix + VIEWED_SEPARATOR):
        return ViewedMemo(prefix=prefix, slugs=[])
    slugs = raw[len(prefix) + 1 :].split(VIEWED_SEPARATOR)
    return ViewedMemo(prefix=prefix, slugs=[slug for slug in slugs if slug])


def _viewed_cookie_set(response: HttpResponse, memo: ViewedMemo, slug: str) -> None:
    slugs = [*memo.slugs, slug][-VIEWED_MAX:]
    while len(slugs) > 1 and sum(len(s) + 1 for s in slugs) > VIEWED_MAX_CHARS:
        slugs.pop(0)
    # No max_age: the cookie ends with the browser session, or with the day.
    response.set_cookie(
        VIEWED_COOKIE,
        VIEWED_SEPARATOR.join([memo.prefix, *slugs]),
        path=reverse("catalog:course_list"),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def _visitor_cookie_set(response: HttpResponse, token: str) -> None:
    response.set_cookie(
        VISITOR_COOKIE,
        token,
        max_age=VISITOR_COOKIE_MAX_AGE,
        path=reverse("catalog:course_list"),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
