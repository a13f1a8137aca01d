from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from iioe.catalog import selectors, services
from iioe.catalog.models import Course, CourseLanguage
from iioe.web.caching import guest_page_cache

# The courses a browser has seen in this browser session, by slug, so that a
# view is counted once per session. A plain cookie is enough: forging it only
# stops one's own views from counting, and guests need no session row for it.
VIEWED_COOKIE = "iioe_viewed"
VIEWED_MAX = 50
VIEWED_SEPARATOR = "."

TABS = ("overview", "syllabus", "instructor", "reviews")


@require_safe
@guest_page_cache
def course_list(request: HttpRequest) -> HttpResponse:
    categories = selectors.category_list()
    filters = selectors.course_filters_parse(request.GET, categories=categories)
    page = selectors.course_page(filters=filters, page=request.GET.get("page"))

    context = {
        "filters": filters,
        "page": page,
        "families": selectors.family_list_with_categories(categories),
        "languages": CourseLanguage.choices,
        "page_range": page.paginator.get_elided_page_range(
            page.number, on_each_side=1, on_ends=1
        ),
        "query_without_page": _query_without_page(request),
    }
    return render(request, "catalog/course_list.html", context)


@require_safe
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Show a course, counting the view once per browser session.

    The view is counted before the page is made, so that the count shown
    includes it; the page itself may come from the guest page cache.
    """
    viewed = _viewed_slugs(request)
    first_view = request.method == "GET" and slug not in viewed
    if first_view:
        services.course_view_record(slug=slug)

    response = _course_page(request, slug)
    if first_view:
        _viewed_cookie_set(response, [*viewed, slug])
    return response


@guest_page_cache
def _course_page(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_or_404(slug)
    detail = selectors.course_detail(course=course, user=request.user)
    tab = request.GET.get("tab", "")

    context = {
        "detail": detail,
        "course": course,
        "tab": tab if tab in TABS else TABS[0],
        # Reviews arrive with a later feature; until then there are none.
        "review_count": 0,
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


def _viewed_slugs(request: HttpRequest) -> list[str]:
    raw = request.COOKIES.get(VIEWED_COOKIE, "")
    return [slug for slug in raw.split(VIEWED_SEPARATOR) if slug][-VIEWED_MAX:]


def _viewed_cookie_set(response: HttpResponse, slugs: list[str]) -> None:
    if response.status_code != 200:
        return
    # No max_age: the cookie ends with the browser session.
    response.set_cookie(
        VIEWED_COOKIE,
        VIEWED_SEPARATOR.join(slugs[-VIEWED_MAX:]),
        path=reverse("catalog:course_list"),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
