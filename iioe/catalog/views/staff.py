"""The staff area, where the secretariat creates, edits and publishes courses.

Every view is for active staff members only: guests are sent to log in and
everyone else is refused. The getters in staff_selectors check again.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from iioe.catalog import selectors, services, staff_selectors
from iioe.catalog.forms import CourseForm, InstructorForm, LessonForm
from iioe.catalog.models import Course, Instructor
from iioe.catalog.staff_selectors import Publication

View = Callable[..., HttpResponse]
# Instructor photos carry a content hash in their name, so a browser may keep
# one as long as it likes.
PHOTO_MAX_AGE = 30 * 24 * 3600


def staff_required(view: View) -> View:
    """Let active staff members in; send guests to log in, refuse the rest."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            return render(request, "catalog/staff/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@staff_required
def course_list(request: HttpRequest) -> HttpResponse:
    filters = staff_selectors.staff_course_filters_parse(request.GET)
    page = staff_selectors.staff_course_page(
        user=request.user, filters=filters, page=request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)

    context = {
        "page": page,
        "filters": filters,
        "publication_choices": [
            (Publication.ANY, _("All courses")),
            (Publication.PUBLISHED, _("Published")),
            (Publication.UNPUBLISHED, _("Unpublished")),
        ],
        "page_range": page.paginator.get_elided_page_range(
            page.number, on_each_side=1, on_ends=1
        ),
        "query_without_page": query.urlencode(),
    }
    return render(request, "catalog/staff/course_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def course_create(request: HttpRequest) -> HttpResponse:
    categories = selectors.category_list()
    form = CourseForm(
        request.POST or None,
        initial={"published_on": timezone.localdate()},
        categories=categories,
    )
    if request.method == "POST" and form.is_valid():
        course = services.course_create(
            actor=request.user, fields=form.fields_for_service()
        )
        messages.success(
            request,
            _(
                "The course is created. It stays hidden from learners until "
                "you publish it."
            ),
        )
        return redirect(_edit_url(course))

    return render(request, "catalog/staff/course_form.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    course = staff_selectors.course_get_for_staff(
        user=request.user, course_id=course_id
    )
    form = CourseForm(
        request.POST or None,
        initial=CourseForm.initial_for(course),
        categories=selectors.category_list(),
        level=course.level,
    )
    if request.method == "POST" and form.is_valid():
        changed = services.course_update(
            actor=request.user, course=course, fields=form.fields_for_service()
        )
        if changed:
            messages.success(request, _("Your changes are saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect(_edit_url(course))

    return _edit_page(request, course, course_form=form)


@require_POST
@staff_required
def course_publish(request: HttpRequest, course_id: int) -> HttpResponse:
    course = staff_selectors.course_get_for_staff(
        user=request.user, course_id=course_id
    )
    if services.course_publish(actor=request.user, course=course):
        messages.success(request, _("The course is published: everyone can see it."))
    else:
        messages.info(request, _("The course was already published."))
    return redirect(_edit_url(course))


@require_POST
@staff_required
def course_unpublish(request: HttpRequest, course_id: int) -> HttpResponse:
    course = staff_selectors.course_get_for_staff(
        user=request.user, course_id=course_id
    )
    if services.course_unpublish(actor=request.user, course=course):
        messages.success(
            request, _("The course is unpublished: only the staff can see it now.")
        )
    else:
        messages.info(request, _("The course was already unpublished."))
    return redirect(_edit_url(course))


@require_POST
@staff_required
def lesson_add(request: HttpRequest, course_id: int) -> HttpResponse:
    course = staff_selectors.course_get_for_staff(
        user=request.user, course_id=course_id
    )
    form = LessonForm(request.POST, prefix="lesson")
    if not form.is_valid():
        return _edit_page(request, course, lesson_form=form)

    services.lesson_add(
        actor=request.user, course=course, title=form.cleaned_data["title"]
    )
    messages.success(request, _("The lesson is added; upload its video next."))
    return redirect(_edit_url(course) + "#lessons")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def lesson_edit(request: HttpRequest, course_id: int, lesson_id: int) -> HttpResponse:
    course = staff_selectors.course_get_for_staff(
        user=request.user, course_id=course_id
    )
    lesson = staff_selectors.lesson_get_for_staff(
        user=request.user, course=course, lesson_id=lesson_id
    )
    form = LessonForm(request.POST or None, initial={"title": lesson.title})
    if request.method == "POST" and form.is_valid():
        services.lesson_rename(
            actor=request.user, lesson=lesson, title=form.cleaned_data["title"]
        )
        messages.success(request, _("The lesson is renamed."))
        return redirect(_edit_url(course) + "#lessons")

    context = {"course": course, "lesson": lesson, "form": form}
    return render(request, "catalog/staff/lesson_form.html", context)


@require_POST
@staff_required
def lesson_move(request: HttpRequest, course_id: int, lesson_id: int) -> HttpResponse:
    course = staff_selectors.course_get_for_staff(
        user=request.user, course_id=course_id
    )
    lesson = staff_selectors.lesson_get_for_staff(
        user=request.user, course=course, lesson_id=lesson_id
    )
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        messages.error(request, _("Choose whether to move the lesson up or down."))
        return redirect(_edit_url(course) + "#lessons")

    services.lesson_move(actor=request.user, lesson=lesson, up=direction == "up")
    return redirect(_edit_url(course) + f"#lesson-{lesson.pk}")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def lesson_delete(request: HttpRequest, course_id: int, lesson_id: int) -> HttpResponse:
    course = staff_selectors.course_get_for_staff(
        user=request.user, course_id=course_id
    )
    lesson = staff_selectors.lesson_get_for_staff(
        user=request.user, course=course, lesson_id=lesson_id
    )
    if request.method == "POST":
        services.lesson_delete(actor=request.user, lesson=lesson)
        messages.success(
            request, _("The lesson “%(title)s” is deleted.") % {"title": lesson.title}
        )
        return redirect(_edit_url(course) + "#lessons")

    context = {"course": course, "lesson": lesson}
    return render(request, "catalog/staff/lesson_delete.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def course_instructor_add(request: HttpRequest, course_id: int) -> HttpResponse:
    """Find an instructor to add to a course, or create a new one for it."""
    course = staff_selectors.course_get_for_staff(
        user=request.user, course_id=course_id
    )
    form = InstructorForm(prefix="new")
    if request.method == "POST" and "instructor" in request.POST:
        return _instructor_link(request, course)
    if request.method == "POST":
        form = InstructorForm(request.POST, request.FILES, prefix="new")
        if form.is_valid():
            instructor = services.instructor_create(
                name=form.cleaned_data["name"],
                bio=form.cleaned_data["bio"].strip(),
                photo=form.cleaned_data["photo"],
            )
            services.course_instructor_add(
                actor=request.user, course=course, instructor=instructor
            )
            messages.success(
                request,
                _("%(name)s is created and listed as an instructor.")
                % {"name": instructor.name},
            )
            return redirect(_edit_url(course) + "#instructors")

    q = request.GET.get("q", "")
    context = {
        "course": course,
        "form": form,
        "q": q,
        "matches": staff_selectors.instructor_search(
            user=request.user, q=q, exclude_course=course
        ),
    }
    return render(request, "catalog/staff/instructor_add.html", context)


def _instructor_link(request: HttpRequest, course: Course) -> HttpResponse:
    try:
        instructor_id = int(request.POST.get("instructor", ""))
    except ValueError:
        raise Http404 from None
    instructor = staff_selectors.instructor_get_for_staff(
        user=request.user, instructor_id=instructor_id
    )
    services.course_instructor_add(
        actor=request.user, course=course, instructor=instructor
    )
    messages.success(
        request, _("%(name)s is listed as an instructor.") % {"name": instructor.name}
    )
    return redirect(_edit_url(course) + "#instructors")


@require_POST
@staff_required
def course_instructor_remove(
    request: HttpRequest, course_id: int, instructor_id: int
) -> HttpResponse:
    course = staff_selectors.course_get_for_staff(
        user=request.user, course_id=course_id
    )
    instructor = staff_selectors.instructor_get_for_staff(
        user=request.user, instructor_id=instructor_id
    )
    services.course_instructor_remove(
        actor=request.user, course=course, instructor=instructor
    )
    messages.success(
        request,
        _("%(name)s is no longer listed on this course.") % {"name": instructor.name},
    )
    return redirect(_edit_url(course) + "#instructors")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def instructor_edit(
    request: HttpRequest, course_id: int, instructor_id: int
) -> HttpResponse:
    course = staff_selectors.course_get_for_staff(
        user=request.user, course_id=course_id
    )
    instructor = staff_selectors.instructor_get_for_staff(
        user=request.user, instructor_id=instructor_id
    )
    initial = {"name": instructor.name, "bio": instructor.bio}
    form = InstructorForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        instructor=instructor,
    )
    if request.method == "POST" and form.is_valid():
        services.instructor_update(
            instructor=instructor,
            name=form.cleaned_data["name"],
            bio=form.cleaned_data["bio"].strip(),
            photo=form.cleaned_data["photo"],
            remove_photo=form.cleaned_data.get("remove_photo", False),
        )
        messages.success(request, _("The instructor is saved."))
        return redirect(_edit_url(course) + "#instructors")

    context = {"course": course, "instructor": instructor, "form": form}
    return render(request, "catalog/staff/instructor_form.html", context)


@require_safe
def instructor_photo(request: HttpRequest, instructor_id: int) -> HttpResponse:
    """Serve an instructor's photo; they are public, like the course pages."""
    instructor = Instructor.objects.filter(pk=instructor_id).exclude(photo="").first()
    if instructor is None or not instructor.photo.storage.exists(instructor.photo.name):
        raise Http404
    response = FileResponse(instructor.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = f"public, max-age={PHOTO_MAX_AGE}"
    return response


def _edit_page(
    request: HttpRequest,
    course: Course,
    *,
    course_form: CourseForm | None = None,
    lesson_form: LessonForm | None = None,
) -> HttpResponse:
    """Render the course's edit page, with any form that failed left as typed."""
    if course_form is None:
        course_form = CourseForm(
            initial=CourseForm.initial_for(course),
            categories=selectors.category_list(),
            level=course.level,
        )
    context = {
        "course": course,
        "form": course_form,
        "lesson_form": lesson_form or LessonForm(prefix="lesson"),
        "detail": staff_selectors.staff_course_detail(user=request.user, course=course),
    }
    return render(request, "catalog/staff/course_edit.html", context)


def _edit_url(course: Course) -> str:
    return reverse("catalog:staff_course_edit", args=[course.pk])
