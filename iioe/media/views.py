"""Protected video, caption and poster files, streamed with byte ranges."""

from django.contrib.auth.views import redirect_to_login
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from iioe.media import selectors, streaming


@require_safe
def rendition_file(
    request: HttpRequest, video_id: int, height: int
) -> HttpResponseBase:
    if refusal := _refuse_guest(request):
        return refusal
    rendition = selectors.rendition_get_for_viewer(
        user=request.user, video_id=video_id, height=height
    )
    return _stream(request, rendition.file, content_type="video/mp4")


@require_safe
def caption_file(
    request: HttpRequest, video_id: int, language: str
) -> HttpResponseBase:
    if refusal := _refuse_guest(request):
        return refusal
    track = selectors.caption_get_for_viewer(
        user=request.user, video_id=video_id, language=language
    )
    return _stream(request, track.file, content_type="text/vtt; charset=utf-8")


@require_safe
def poster_file(request: HttpRequest, video_id: int) -> HttpResponseBase:
    if refusal := _refuse_guest(request):
        return refusal
    poster = selectors.poster_get_for_viewer(user=request.user, video_id=video_id)
    return _stream(request, poster, content_type="image/jpeg")


def _refuse_guest(request: HttpRequest) -> HttpResponseBase | None:
    """Send a guest who opened a file as a page to log in; refuse the rest.

    A player or an <img> cannot follow a login page, so their requests get a
    plain 403; a person who opened the link gets the login form and returns.
    """
    if request.user.is_authenticated:
        return None
    navigating = request.headers.get("Sec-Fetch-Mode") == "navigate" or (
        "text/html" in request.headers.get("Accept", "")
    )
    if navigating:
        return redirect_to_login(request.get_full_path())
    return HttpResponseForbidden()


def _stream(
    request: HttpRequest, field_file: FieldFile, *, content_type: str
) -> HttpResponseBase:
    # GZipMiddleware would compress the stream, breaking byte offsets and
    # Content-Length; these formats gain nothing from it anyway.
    request.META["HTTP_ACCEPT_ENCODING"] = "identity"
    return streaming.file_response(request, field_file, content_type=content_type)
