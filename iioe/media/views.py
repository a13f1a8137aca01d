"""Protected video, caption and poster files, streamed with byte ranges.

Every file is for members only; HLS playlists and segments are served from
the set of files a video currently uses, and transcripts are written from its
caption tracks on request.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from iioe.media import captions, selectors, streaming
from iioe.media.models import CaptionTrack

# The addresses of HLS files name the set they belong to, so they never change
# content and a browser may keep them for a day.
HLS_MAX_AGE = 24 * 3600


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
def audio_file(request: HttpRequest, video_id: int) -> HttpResponseBase:
    if refusal := _refuse_guest(request):
        return refusal
    audio = selectors.audio_get_for_viewer(user=request.user, video_id=video_id)
    return _stream(request, audio, content_type="audio/mp4")


@require_safe
def hls_file(
    request: HttpRequest, video_id: int, key: int, name: str
) -> HttpResponseBase:
    if refusal := _refuse_guest(request):
        return refusal
    stored = selectors.hls_file_get_for_viewer(
        user=request.user, video_id=video_id, key=key, name=name
    )
    return _stream(
        request,
        stored,
        content_type=selectors.hls_content_type(name),
        max_age=HLS_MAX_AGE,
    )


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
def transcript_text(
    request: HttpRequest, video_id: int, language: str
) -> HttpResponseBase:
    if refusal := _refuse_guest(request):
        return refusal
    track = selectors.caption_get_for_viewer(
        user=request.user, video_id=video_id, language=language
    )
    return _transcript(track, captions.to_text, "txt", "text/plain; charset=utf-8")


@require_safe
def transcript_srt(
    request: HttpRequest, video_id: int, language: str
) -> HttpResponseBase:
    if refusal := _refuse_guest(request):
        return refusal
    track = selectors.caption_get_for_viewer(
        user=request.user, video_id=video_id, language=language
    )
    return _transcript(
        track, captions.to_srt, "srt", "application/x-subrip; charset=utf-8"
    )


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
    request: HttpRequest,
    stored: streaming.StoredFile,
    *,
    content_type: str,
    max_age: int = 3600,
) -> HttpResponseBase:
    # GZipMiddleware would compress the stream, breaking byte offsets and
    # Content-Length; these formats gain nothing from it anyway.
    request.META["HTTP_ACCEPT_ENCODING"] = "identity"
    return streaming.file_response(
        request, stored, content_type=content_type, max_age=max_age
    )


def _transcript(
    track: CaptionTrack,
    write: "captions.Writer",
    extension: str,
    content_type: str,
) -> HttpResponse:
    """Answer with a caption track rewritten as a downloadable file."""
    with track.file.open("rb") as handle:
        content = handle.read()
    try:
        text = write(captions.read(content))
    except captions.CaptionError as error:
        # Stored tracks were checked on upload; one that fails now was
        # damaged on disk.
        raise Http404 from error

    response = HttpResponse(text.encode("utf-8"), content_type=content_type)
    title = slugify(track.video.title, allow_unicode=True) or "transcript"
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{title}-{track.language}.{extension}"
    )
    return response
