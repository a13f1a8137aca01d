from django.http import HttpRequest, HttpResponse


def lesson(request: HttpRequest, slug: str, position: int) -> HttpResponse:
    raise NotImplementedError


def lesson_progress(request: HttpRequest, slug: str, position: int) -> HttpResponse:
    raise NotImplementedError


def my_iioe(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
