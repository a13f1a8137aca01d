"""The staff pages that upload a lesson's video and captions.

Every view is for active staff members only, checked here and again by the
selectors: guests are sent to log in and everyone else is refused. A lesson
belongs to the catalog, which looks it up and attaches a first video to it;
everything else about the video is this app's.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from iioe.catalog import services as catalog_services
from iioe.catalog import staff_selectors
from iioe.catalog.models import Lesson
from iioe.media import selectors, services
from iioe.media.forms import CaptionUploadForm, VideoUploadForm, language_name
from iioe.media.uploads import VideoUploadHandler

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Let active staff members in; send guests to log in, refuse the rest.

    It reads no request body, so an upload from anyone else is refused
    before a byte of it is stored.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            if request.method == "GET" and not _wants_json(request):
                return redirect_to_login(request.get_full_path())
            return _forbidden(request)
        if not (user.is_active and user.is_staff):
            return _forbidden(request)
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@staff_required
def lesson_video(request: HttpRequest, course_id: int, lesson_id: int) -> HttpResponse:
    lesson = _lesson(request, course_id, lesson_id)
    return _page(request, lesson)


@csrf_exempt
@require_POST
@staff_required
def lesson_video_upload(
    request: HttpRequest, course_id: int, lesson_id: int
) -> HttpResponse:
    # The handler must be in place before anything reads the body, the CSRF
    # check included: hence csrf_exempt here and csrf_protect inside.
    handler = VideoUploadHandler(request, max_bytes=settings.VIDEO_UPLOAD_MAX_BYTES)
    request.upload_handlers = [handler]
    return _lesson_video_upload(request, course_id, lesson_id, handler)


@csrf_protect
def _lesson_video_upload(
    request: HttpRequest, course_id: int, lesson_id: int, handler: VideoUploadHandler
) -> HttpResponse:
    lesson = _lesson(request, course_id, lesson_id)
    form = VideoUploadForm(request.POST, request.FILES, too_large=handler.too_large)
    if not form.is_valid():
        return _page(request, lesson, video_form=form, status=400)

    first = lesson.video is None
    try:
        with transaction.atomic():
            video = services.video_upload(
                title=lesson.title,
                upload=form.cleaned_data["file"],
                replacing=lesson.video,
                actor=request.user,
            )
            if first:
                catalog_services.lesson_video_set(
                    actor=request.user, lesson=lesson, video=video
                )
    except ValidationError as error:
        form.add_error("file", error)
        return _page(request, lesson, video_form=form, status=400)

    if first:
        messages.success(request, _("The video is uploaded and is being converted."))
    else:
        messages.success(
            request,
            _(
                "The new video is uploaded and is being converted. Learners see "
                "the current one until it is ready."
            ),
        )
    return redirect(_page_url(lesson))


@require_POST
@staff_required
def lesson_caption_upload(
    request: HttpRequest, course_id: int, lesson_id: int
) -> HttpResponse:
    lesson = _lesson(request, course_id, lesson_id)
    form = CaptionUploadForm(request.POST, request.FILES)
    if lesson.video is None:
        form.add_error(None, _("Upload the lesson’s video before its captions."))
    if not form.is_valid():
        return _page(request, lesson, caption_form=form, status=400)

    language = form.cleaned_data["language"]
    try:
        services.caption_track_set(
            video=lesson.video,
            language=language,
            content=form.cleaned_data["file"],
            label=form.cleaned_data["label"],
        )
    except ValidationError as error:
        form.add_error("file", error)
        return _page(request, lesson, caption_form=form, status=400)

    messages.success(
        request,
        _("The captions in %(language)s are saved.")
        % {"language": language_name(language)},
    )
    return redirect(_page_url(lesson) + "#captions")


@require_POST
@staff_required
def lesson_caption_delete(
    request: HttpRequest, course_id: int, lesson_id: int, language: str
) -> HttpResponse:
    lesson = _lesson(request, course_id, lesson_id)
    if lesson.video_id is not None:
        track = selectors.caption_get_for_staff(
            user=request.user, video_id=lesson.video_id, language=language
        )
        services.caption_track_delete(track=track)
        messages.success(
            request,
            _("The captions in %(language)s are deleted.")
            % {"language": language_name(language)},
        )
    return redirect(_page_url(lesson) + "#captions")


@require_safe
@staff_required
def video_status(request: HttpRequest, video_id: int) -> HttpResponse:
    """Answer the conversion's state as JSON, with the status partial redrawn."""
    video = selectors.video_get_for_staff(user=request.user, video_id=video_id)
    html = render_to_string(
        "media/_video_status.html",
        {"video": video, "next": request.GET.get("next", "")},
        request=request,
    )
    response = JsonResponse(
        {
            "status": video.status,
            "progress": video.progress,
            "active": video.is_active,
            "html": html,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_required
def video_retry(request: HttpRequest, video_id: int) -> HttpResponse:
    video = selectors.video_get_for_staff(user=request.user, video_id=video_id)
    if services.video_retry(video=video, actor=request.user):
        messages.success(request, _("The video is being converted again."))
    else:
        messages.info(request, _("This video had not failed; nothing was retried."))

    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("catalog:staff_course_list")
    return redirect(target)


def _lesson(request: HttpRequest, course_id: int, lesson_id: int) -> Lesson:
    course = staff_selectors.course_get_for_staff(
        user=request.user, course_id=course_id
    )
    return staff_selectors.lesson_get_for_staff(
        user=request.user, course=course, lesson_id=lesson_id
    )


def _page(
    request: HttpRequest,
    lesson: Lesson,
    *,
    video_form: VideoUploadForm | None = None,
    caption_form: CaptionUploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "lesson": lesson,
        "course": lesson.course,
        "staff": selectors.staff_video(user=request.user, video=lesson.video),
        "video_form": video_form or VideoUploadForm(),
        "caption_form": caption_form or CaptionUploadForm(),
        "page_url": _page_url(lesson),
    }
    return render(request, "media/staff/lesson_video.html", context, status=status)


def _page_url(lesson: Lesson) -> str:
    return reverse("media:staff_lesson_video", args=[lesson.course_id, lesson.pk])


def _forbidden(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": _("Staff only.")}, status=403)
    return render(request, "media/staff/forbidden.html", status=403)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")
