"""The Reviews tab of a course: rating, editing, deleting and moderating."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from iioe.catalog import selectors, services
from iioe.catalog.models import Course, Review
from iioe.catalog.review_forms import ReviewForm, ReviewHideForm

TAB = "reviews"


def course_page_with_reviews(
    request: HttpRequest,
    course: Course,
    *,
    review_form: ReviewForm | None = None,
    hidden: tuple[int, ReviewHideForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the course page open on its Reviews tab.

    A form that failed is shown again with its errors: the learner's review
    form, or the hiding form of one review (its id and the form).
    """
    context = {
        "detail": selectors.course_detail(course=course, user=request.user),
        "course": course,
        "tab": TAB,
        "review_count": course.review_count,
        **_reviews_context(request, course, review_form=review_form, hidden=hidden),
    }
    return render(request, "catalog/course_detail.html", context, status=status)


@require_POST
def review_save(request: HttpRequest, slug: str) -> HttpResponse:
    """Rate the course, or replace the learner's review of it."""
    course = _course_or_404(slug)
    if not request.user.is_authenticated:
        return redirect_to_login(reviews_url(course, anchor=False))

    form = ReviewForm(request.POST)
    if not form.is_valid():
        return course_page_with_reviews(request, course, review_form=form, status=400)
    services.review_save(
        user=request.user,
        course=course,
        rating=form.cleaned_data["rating"],
        text=form.cleaned_data["text"],
    )

    messages.success(request, _("Thank you: your review is saved."))
    return redirect(reviews_url(course))


@require_POST
def review_delete(request: HttpRequest, slug: str, review_id: int) -> HttpResponse:
    """Delete the learner's own review."""
    course = _course_or_404(slug)
    if not request.user.is_authenticated:
        return redirect_to_login(reviews_url(course, anchor=False))

    try:
        services.review_delete(user=request.user, course=course, review_id=review_id)
    except Review.DoesNotExist:
        raise Http404 from None

    messages.success(request, _("Your review is deleted."))
    return redirect(reviews_url(course))


@require_POST
def review_hide(request: HttpRequest, slug: str, review_id: int) -> HttpResponse:
    """Hide a review, with a reason; for the secretariat only."""
    course = _course_or_404(slug)
    _check_moderator(request)

    form = ReviewHideForm(request.POST, auto_id=hide_form_auto_id(review_id))
    try:
        if form.is_valid():
            services.review_hide(
                moderator=request.user,
                course=course,
                review_id=review_id,
                reason=form.cleaned_data["reason"],
            )
    except Review.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        form.add_error(None, error)
    if form.errors:
        return course_page_with_reviews(
            request, course, hidden=(review_id, form), status=400
        )

    messages.success(request, _("The review is hidden."))
    return redirect(reviews_url(course))


@require_POST
def review_unhide(request: HttpRequest, slug: str, review_id: int) -> HttpResponse:
    """Show a hidden review again; for the secretariat only."""
    course = _course_or_404(slug)
    _check_moderator(request)

    try:
        services.review_unhide(
            moderator=request.user, course=course, review_id=review_id
        )
    except Review.DoesNotExist:
        raise Http404 from None

    messages.success(request, _("The review is shown again."))
    return redirect(reviews_url(course))


@dataclass(frozen=True)
class ReviewItem:
    """A review of the list, with its hiding form for the secretariat."""

    review: Review
    hide_form: ReviewHideForm | None


def reviews_url(course: Course, *, anchor: bool = True) -> str:
    url = reverse("catalog:course_detail", args=[course.slug]) + f"?tab={TAB}"
    return url + "#reviews" if anchor else url


def hide_form_auto_id(review_id: int) -> str:
    """Give each review's hiding form its own field ids on a page of many."""
    return f"id_hide_{review_id}_%s"


def _reviews_context(
    request: HttpRequest,
    course: Course,
    *,
    review_form: ReviewForm | None,
    hidden: tuple[int, ReviewHideForm] | None,
) -> dict[str, Any]:
    tab = selectors.review_tab(
        course=course, user=request.user, page=request.GET.get("page")
    )
    if review_form is None and request.user.is_authenticated:
        initial = {"rating": tab.own.rating, "text": tab.own.text} if tab.own else {}
        review_form = ReviewForm(initial=initial)
    items = [
        ReviewItem(
            review=review, hide_form=_hide_form(review, tab.can_moderate, hidden)
        )
        for review in tab.page
    ]

    return {
        "reviews": tab,
        "review_items": items,
        "review_form": review_form,
        "reviews_login_url": _login_url(course),
    }


def _hide_form(
    review: Review,
    can_moderate: bool,
    hidden: tuple[int, ReviewHideForm] | None,
) -> ReviewHideForm | None:
    if not can_moderate:
        return None
    if hidden is not None and hidden[0] == review.pk:
        return hidden[1]
    return ReviewHideForm(auto_id=hide_form_auto_id(review.pk))


def _login_url(course: Course) -> str:
    """The login page, coming back to the Reviews tab: as a write by a guest."""
    return redirect_to_login(reviews_url(course, anchor=False)).url


def _check_moderator(request: HttpRequest) -> None:
    if not (request.user.is_authenticated and request.user.is_staff):
        raise PermissionDenied


def _course_or_404(slug: str) -> Course:
    course = selectors.course_get_published(slug=slug)
    if course is None:
        raise Http404
    return course
