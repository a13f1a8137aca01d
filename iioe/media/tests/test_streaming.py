"""Protected video, caption and poster files, with HTTP byte ranges."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

from iioe.accounts.models import User
from iioe.accounts.tests.factories import UserFactory
from iioe.media.models import Video
from iioe.media.streaming import ByteRange, RangeNotSatisfiableError, parse_range
from iioe.media.tests.factories import CAPTION_TEXT, VideoFactory, ready_video
from iioe.media.tests.factories import rendition_bytes as content_of

pytestmark = pytest.mark.django_db

SIZE = 200_000


@pytest.fixture
def learner() -> User:
    # No password: these learners log in with force_login, and hashing is slow.
    return UserFactory(password=None)


@pytest.fixture
def member(client: Client, learner: User) -> Client:
    client.force_login(learner)
    return client


@pytest.fixture
def video() -> Video:
    return ready_video(heights=(240, 360))


def rendition_url(video: Video, height: int = 360) -> str:
    return reverse("media:rendition", args=[video.pk, height])


def body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=100-", ByteRange(100, 999)),
        ("bytes=-100", ByteRange(900, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=990-5000", ByteRange(990, 999)),
        ("BYTES = 5 - 9", ByteRange(5, 9)),
        ("", None),
        ("bytes=9-5", None),
        ("bytes=0-1,5-9", None),
        ("items=0-9", None),
        ("bytes=-", None),
        ("bytes=abc", None),
    ],
)
def test_parse_range_reads_one_range_and_ignores_what_it_cannot_serve(
    header: str, expected: ByteRange | None
) -> None:
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_parse_range_refuses_ranges_outside_the_file(header: str) -> None:
    with pytest.raises(RangeNotSatisfiableError):
        parse_range(header, 1000)


def test_a_member_gets_the_whole_rendition(member: Client, video: Video) -> None:
    response = member.get(rendition_url(video))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(SIZE)
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert body(response) == content_of(360)


def test_a_range_gets_partial_content(member: Client, video: Video) -> None:
    response = member.get(rendition_url(video), HTTP_RANGE="bytes=1000-1999")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-1999/{SIZE}"
    assert response["Content-Length"] == "1000"
    assert body(response) == content_of(360)[1000:2000]


def test_an_open_ended_range_runs_to_the_end(member: Client, video: Video) -> None:
    response = member.get(rendition_url(video), HTTP_RANGE="bytes=150000-")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 150000-{SIZE - 1}/{SIZE}"
    assert body(response) == content_of(360)[150000:]


def test_a_suffix_range_gets_the_last_bytes(member: Client, video: Video) -> None:
    response = member.get(rendition_url(video), HTTP_RANGE="bytes=-500")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {SIZE - 500}-{SIZE - 1}/{SIZE}"
    assert body(response) == content_of(360)[-500:]


def test_a_range_past_the_end_is_not_satisfiable(member: Client, video: Video) -> None:
    response = member.get(rendition_url(video), HTTP_RANGE=f"bytes={SIZE}-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"


def test_several_ranges_get_the_whole_file(member: Client, video: Video) -> None:
    response = member.get(rendition_url(video), HTTP_RANGE="bytes=0-9,20-29")

    assert response.status_code == 200
    assert response["Content-Length"] == str(SIZE)


def test_a_range_for_a_changed_file_gets_the_whole_file(
    member: Client, video: Video
) -> None:
    response = member.get(
        rendition_url(video), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"stale"'
    )

    assert response.status_code == 200


def test_a_range_for_the_same_file_is_honoured(member: Client, video: Video) -> None:
    etag = member.get(rendition_url(video))["ETag"]

    response = member.get(
        rendition_url(video), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag
    )

    assert response.status_code == 206


def test_an_unchanged_file_is_not_sent_again(member: Client, video: Video) -> None:
    etag = member.get(rendition_url(video))["ETag"]

    response = member.get(rendition_url(video), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304


def test_head_gives_the_headers_without_reading_the_file(
    member: Client, video: Video
) -> None:
    response = member.head(rendition_url(video), HTTP_RANGE="bytes=0-99")

    assert response.status_code == 206
    assert response["Content-Length"] == "100"
    assert body(response) == b""


def test_video_files_are_never_gzipped(member: Client, video: Video) -> None:
    response = member.get(
        rendition_url(video), HTTP_RANGE="bytes=0-99", HTTP_ACCEPT_ENCODING="gzip"
    )

    assert "Content-Encoding" not in response
    assert body(response) == content_of(360)[:100]


def test_a_guest_player_is_refused_video_captions_and_poster(
    client: Client, video: Video
) -> None:
    urls = [
        rendition_url(video),
        reverse("media:caption", args=[video.pk, "en"]),
        reverse("media:poster", args=[video.pk]),
    ]

    for url in urls:
        response = client.get(url, HTTP_RANGE="bytes=0-99")
        assert response.status_code == 403, url
        assert not response.streaming


def test_a_guest_who_opens_a_video_link_is_sent_to_log_in(
    client: Client, video: Video
) -> None:
    url = rendition_url(video)

    response = client.get(url, HTTP_SEC_FETCH_MODE="navigate")

    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert "next=" in response["Location"]


def test_captions_are_served_as_webvtt(member: Client, video: Video) -> None:
    response = member.get(reverse("media:caption", args=[video.pk, "en"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    assert body(response).decode() == CAPTION_TEXT


def test_the_poster_is_served_as_a_jpeg(member: Client, video: Video) -> None:
    response = member.get(reverse("media:poster", args=[video.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


def test_missing_files_are_not_found(member: Client, video: Video) -> None:
    assert member.get(rendition_url(video, 720)).status_code == 404
    assert (
        member.get(reverse("media:caption", args=[video.pk, "fr"])).status_code == 404
    )
    assert member.get(rendition_url(video) + "x").status_code == 404


def test_a_video_that_is_not_ready_is_not_streamed(member: Client) -> None:
    video = ready_video()
    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING)

    assert member.get(rendition_url(video)).status_code == 404


def test_the_source_file_has_no_address(member: Client) -> None:
    video = VideoFactory()

    assert member.get("/media/" + video.source.name).status_code == 404


def test_files_refuse_writes(member: Client, video: Video) -> None:
    assert member.post(rendition_url(video)).status_code == 405


def hls_url(video: Video, name: str, key: int | None = None) -> str:
    return reverse("media:hls", args=[video.pk, key or video.output_key, name])


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("master.m3u8", "application/vnd.apple.mpegurl"),
        ("360p/index.m3u8", "application/vnd.apple.mpegurl"),
        ("360p/init_1.mp4", "video/mp4"),
        ("240p/seg-00000.m4s", "video/mp4"),
        ("audio/index.m3u8", "application/vnd.apple.mpegurl"),
        ("audio/seg-00000.m4s", "audio/mp4"),
    ],
)
def test_hls_playlists_and_segments_have_their_media_types(
    member: Client, name: str, content_type: str
) -> None:
    video = ready_video(heights=(240, 360), has_audio=True)

    response = member.get(hls_url(video, name))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Cache-Control"] == "private, max-age=86400"


def test_an_hls_segment_is_served_by_ranges(member: Client) -> None:
    video = ready_video(heights=(240,))

    response = member.get(
        hls_url(video, "240p/seg-00000.m4s"), HTTP_RANGE="bytes=100-199"
    )

    assert response.status_code == 206
    assert response["Content-Range"] == "bytes 100-199/5000"
    assert body(response) == content_of(0, 5000)[100:200]


@pytest.mark.parametrize(
    "name",
    [
        "../../source/source.mp4",
        "240p/../../240p.mp4",
        "240p/seg-1.m4s",
        "240p/index.m3u8x",
        "720p/index.m3u8",
        "poster.jpg",
    ],
)
def test_only_existing_hls_files_are_served(member: Client, name: str) -> None:
    video = ready_video(heights=(240,))

    assert member.get(hls_url(video, name)).status_code == 404


def test_hls_files_of_a_set_the_video_no_longer_uses_are_gone(member: Client) -> None:
    video = ready_video(heights=(240,))

    response = member.get(hls_url(video, "master.m3u8", key=video.pk + 1000))

    assert response.status_code == 404


def test_a_guest_is_refused_hls_and_audio(client: Client) -> None:
    video = ready_video(heights=(240,), has_audio=True)

    for url in [
        hls_url(video, "master.m3u8"),
        hls_url(video, "240p/seg-00000.m4s"),
        reverse("media:audio", args=[video.pk]),
    ]:
        assert client.get(url).status_code == 403, url


def test_the_audio_only_file_is_served_as_mp4_audio(member: Client) -> None:
    video = ready_video(heights=(240,), has_audio=True)

    response = member.get(reverse("media:audio", args=[video.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mp4"
    assert response["Content-Length"] == "30000"


def test_a_silent_video_has_no_audio_file(member: Client) -> None:
    video = ready_video(heights=(240,), has_audio=False)

    assert member.get(reverse("media:audio", args=[video.pk])).status_code == 404
