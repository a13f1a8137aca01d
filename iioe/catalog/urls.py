from django.urls import path

from iioe.catalog.views import browse, learn, reviews, staff

app_name = "catalog"

urlpatterns = [
    path("courses", browse.course_list, name="course_list"),
    path("courses/<slug:slug>", browse.course_detail, name="course_detail"),
    path(
        "courses/<slug:slug>/study-plan/add",
        browse.study_plan_add,
        name="study_plan_add",
    ),
    path(
        "courses/<slug:slug>/study-plan/remove",
        browse.study_plan_remove,
        name="study_plan_remove",
    ),
    path("courses/<slug:slug>/reviews", reviews.review_save, name="review_save"),
    path(
        "courses/<slug:slug>/reviews/<int:review_id>/delete",
        reviews.review_delete,
        name="review_delete",
    ),
    path(
        "courses/<slug:slug>/reviews/<int:review_id>/hide",
        reviews.review_hide,
        name="review_hide",
    ),
    path(
        "courses/<slug:slug>/reviews/<int:review_id>/unhide",
        reviews.review_unhide,
        name="review_unhide",
    ),
    path("courses/<slug:slug>/lessons/<int:position>", learn.lesson, name="lesson"),
    path(
        "courses/<slug:slug>/lessons/<int:position>/progress",
        learn.lesson_progress,
        name="lesson_progress",
    ),
    path("my-iioe", learn.my_iioe, name="my_iioe"),
    path(
        "instructors/<int:instructor_id>/photo.jpg",
        staff.instructor_photo,
        name="instructor_photo",
    ),
    # The staff area, where the secretariat writes the catalog.
    path("staff/courses", staff.course_list, name="staff_course_list"),
    path("staff/courses/new", staff.course_create, name="staff_course_create"),
    path("staff/courses/<int:course_id>", staff.course_edit, name="staff_course_edit"),
    path(
        "staff/courses/<int:course_id>/publish",
        staff.course_publish,
        name="staff_course_publish",
    ),
    path(
        "staff/courses/<int:course_id>/unpublish",
        staff.course_unpublish,
        name="staff_course_unpublish",
    ),
    path(
        "staff/courses/<int:course_id>/lessons/add",
        staff.lesson_add,
        name="staff_lesson_add",
    ),
    path(
        "staff/courses/<int:course_id>/lessons/<int:lesson_id>",
        staff.lesson_edit,
        name="staff_lesson_edit",
    ),
    path(
        "staff/courses/<int:course_id>/lessons/<int:lesson_id>/move",
        staff.lesson_move,
        name="staff_lesson_move",
    ),
    path(
        "staff/courses/<int:course_id>/lessons/<int:lesson_id>/delete",
        staff.lesson_delete,
        name="staff_lesson_delete",
    ),
    path(
        "staff/courses/<int:course_id>/instructors/add",
        staff.course_instructor_add,
        name="staff_course_instructor_add",
    ),
    path(
        "staff/courses/<int:course_id>/instructors/<int:instructor_id>",
        staff.instructor_edit,
        name="staff_instructor_edit",
    ),
    path(
        "staff/courses/<int:course_id>/instructors/<int:instructor_id>/remove",
        staff.course_instructor_remove,
        name="staff_course_instructor_remove",
    ),
]
