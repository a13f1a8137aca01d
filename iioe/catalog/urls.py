from django.urls import path

from iioe.catalog.views import browse, learn

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
    path("courses/<slug:slug>/lessons/<int:position>", learn.lesson, name="lesson"),
    path(
        "courses/<slug:slug>/lessons/<int:position>/progress",
        learn.lesson_progress,
        name="lesson_progress",
    ),
    path("my-iioe", learn.my_iioe, name="my_iioe"),
]
