"""Pages of a learner: watching a lesson, saving progress, My IIOE."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from iioe.catalog import history

# Beyond any real list; keeps the database's OFFSET within its integer range.
MAX_PAGE = 10_000


@login_required
@require_GET
def lesson(request: HttpRequest, slug: str, position: int) -> HttpResponse:
    page = history.lesson_page_get(user=request.user, slug=slug, position=position)
    return render(request, "catalog/lesson.html", {"page": page})


@require_POST
def lesson_progress(request: HttpRequest, slug: str, position: int) -> HttpResponse:
    """Remember where the learner stopped; the player posts here as it plays.

    Takes `position` in seconds, as a form field or in a JSON object.
    """
    if not request.user.is_authenticated:
        return JsonResponse(
            {"error": _("Please log in to save your place.")}, status=403
        )
    lesson = history.lesson_get_for_learner(
        user=request.user, slug=slug, position=position
    )

    seconds = _position_from(request)
    if seconds is None:
        message = _("Send the position as a number of seconds.")
        return JsonResponse({"error": message}, status=400)
    try:
        progress = history.watch_progress_record(
            user=request.user, lesson=lesson, position_seconds=seconds
        )
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)

    return JsonResponse({"saved": True, "position": progress.position_seconds})


@login_required
@require_GET
def my_iioe(request: HttpRequest) -> HttpResponse:
    try:
        page_number = min(max(int(request.GET.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        page_number = 1
    data = history.my_iioe_get(
        user=request.user, tab=request.GET.get("tab", ""), page=page_number
    )
    return render(request, "catalog/my_iioe.html", {"my": data})


def _position_from(request: HttpRequest) -> float | None:
    """Read the position from a JSON body or a form; None if it is no number."""
    raw: object
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            return None
        raw = body.get("position") if isinstance(body, dict) else None
    else:
        raw = request.POST.get("position")

    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    try:
        return float(raw)
    except ValueError:
        return None
