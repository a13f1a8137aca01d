from django.http import HttpRequest, HttpResponse, Http404


def video_file(request: HttpRequest, video_id: int, kind: str) -> HttpResponse:
    raise Http404
