from django.urls import path

from iioe.catalog import views

app_name = "catalog"

urlpatterns = [
    path("courses", views.course_list, name="course_list"),
    path("courses/<slug:slug>", views.course_detail, name="course_detail"),
]
