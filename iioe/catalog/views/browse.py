from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def course_list(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/course_list.html")


def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "catalog/course_detail.html")


def study_plan_add(request: HttpRequest, slug: str) -> HttpResponse:
    raise NotImplementedError


def study_plan_remove(request: HttpRequest, slug: str) -> HttpResponse:
    raise NotImplementedError
