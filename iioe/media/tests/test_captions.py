"""Caption tracks: SRT or WebVTT in any common encoding, stored as WebVTT."""

import codecs
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from iioe.media import captions, selectors, services
from iioe.media.models import CaptionTrack
from iioe.media.tests.factories import VideoFactory, ready_video

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "captions"
CHINESE = (FIXTURES / "zh-cn.vtt").read_text(encoding="utf-8")
FRENCH = (FIXTURES / "fr.vtt").read_text(encoding="utf-8")
ENGLISH_SRT = (FIXTURES / "en.srt").read_bytes().decode("utf-8-sig")
VTT = b"WEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\nBonjour\r\n"
LINE_ENDS = {"LF": "\n", "CRLF": "\r\n", "CR": "\r"}
# Each real file, in every encoding that can hold its text.
ENCODINGS = {
    "zh-cn": (CHINESE, ["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom", "gb18030"]),
    "fr": (FRENCH, ["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom", "cp1252"]),
    "en-srt": (ENGLISH_SRT, ["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
}
CASES = [
    (name, encoding, line_end)
    for name, (_text, encodings) in ENCODINGS.items()
    for encoding in encodings
    for line_end in LINE_ENDS
]


def encode(text: str, encoding: str, line_end: str) -> bytes:
    """Return text in an encoding and with line ends as an editor writes it."""
    text = text.replace("\n", LINE_ENDS[line_end])
    if encoding == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    # Python's "utf-16" writes a byte order mark, little-endian here.
    return text.encode(encoding)


def cue_texts(text: str) -> list[str]:
    return [cue.text for cue in captions.parse(text).cues]


def cue_times(text: str) -> list[tuple[int, int]]:
    return [(cue.start_ms, cue.end_ms) for cue in captions.parse(text).cues]


@pytest.mark.parametrize(("name", "encoding", "line_end"), CASES)
def test_every_encoding_and_line_end_gives_the_same_utf8_webvtt(
    name: str, encoding: str, line_end: str
) -> None:
    text = ENCODINGS[name][0]
    reference = services.caption_text_normalise(text.encode("utf-8"))

    normalised = services.caption_text_normalise(encode(text, encoding, line_end))

    assert normalised == reference
    assert normalised.startswith("WEBVTT\n\n")
    assert "\r" not in normalised
    assert "\ufeff" not in normalised


@pytest.mark.parametrize("name", ENCODINGS)
def test_normalising_keeps_every_cue_with_its_timing_and_lines(name: str) -> None:
    text = ENCODINGS[name][0]
    original = captions.parse(text)

    normalised = services.caption_text_normalise(text.encode("utf-16"))

    assert cue_times(normalised) == [(c.start_ms, c.end_ms) for c in original.cues]
    assert cue_texts(normalised) == [c.text for c in original.cues]
    assert len(original.cues) == {"zh-cn": 76, "fr": 15, "en-srt": 16}[name]


def test_the_chinese_file_in_gb18030_is_read_as_chinese() -> None:
    content = (FIXTURES / "zh-cn.gb18030.crlf.vtt").read_bytes()

    read = captions.read(content)

    assert read.encoding == "gb18030"
    assert read.cues[0].text == "我们一直坚信每个人都应该有机会获得高等教育"


def test_the_french_file_in_windows_1252_is_read_as_french() -> None:
    content = (FIXTURES / "fr.cp1252.cr.vtt").read_bytes()

    read = captions.read(content)

    assert read.encoding == "cp1252"
    assert "ils <b> s'inscrivent </b> à vos cours," in read.cues[3].text


def test_latin_1_text_is_read_as_western() -> None:
    content = "1\n00:00:01,000 --> 00:00:02,000\nDéjà l'été, ça va ?\n"

    read = captions.read(content.encode("latin-1"))

    assert read.cues[0].text == "Déjà l'été, ça va ?"


def test_srt_becomes_webvtt_with_italics_multi_line_text_and_numbers() -> None:
    normalised = services.caption_text_normalise((FIXTURES / "en.srt").read_bytes())

    assert normalised.startswith(
        "WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\n[laughing]\n\n"
        "2\n00:00:04.124 --> 00:00:08.824\n<i>Who's the most phenominal\n"
        "Extra ordinary fellow?</i>\n"
    )


def test_webvtt_keeps_voices_classes_cue_settings_and_notes() -> None:
    normalised = services.caption_text_normalise(FRENCH.encode("utf-8"))

    assert "<v Narrateur> Vous <i> voulez </i> ces gens." in normalised
    assert "<c.quotable> Les visiteurs" in normalised
    assert (
        "00:00:39.132 --> 00:00:41.000 position:10%,start align:start size:35%"
        in normalised
    )
    assert "\n\nNOTE Ce fichier VTT comprend quelques extras :\n" in normalised


def test_stray_markup_is_made_safe_and_srt_colours_dropped() -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\n"
        '{\\an8}<font color="#ff0">Rock & roll</font> <3 <i>yes</i>\n'
    )

    normalised = services.caption_text_normalise(srt.encode())

    assert normalised.endswith("Rock &amp; roll &lt;3 <i>yes</i>\n")


@pytest.mark.parametrize(
    ("content", "line", "problem"),
    [
        (
            "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 to 4\nBye\n",
            6,
            "expected a timing line",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n"
            "2\n00:00:05,000 --> 00:00:04,000\nBye\n",
            6,
            "the cue ends before it starts",
        ),
        ("1\n00:00:01,000 --> 00:00:62,000\nHello\n", 2, "is not valid"),
        ("Dear learners,\nplease read this.\n", 1, "expected a cue number"),
        (
            "WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n\nnot a cue\nat all\n",
            7,
            "expected a timing line",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nHello\n"
            "2\n00:00:03,000 --> 00:00:04,000\nBye\n",
            5,
            "a blank line may be missing",
        ),
        ("WEBVTT\n\n00:01.000 --> 00:02.000\nnul \x00 here\n", 4, "not text"),
    ],
)
def test_a_malformed_file_is_refused_with_the_line_of_its_first_problem(
    content: str, line: int, problem: str
) -> None:
    for line_end in LINE_ENDS.values():
        data = content.replace("\n", line_end).encode("utf-8")
        with pytest.raises(ValidationError) as refusal:
            services.caption_text_normalise(data)
        message = refusal.value.messages[0]
        assert message.startswith(f"Line {line}:") or f"Line {line} " in message
        assert problem in message


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"WEBVTT\n\nNOTE only a note\n",
        b"\x00\x01\x02\x03binary\xff\xfe\x00",
        b"\xef\xbb\xbfWEBVTT\n\n00:01.000 --> 00:02.000\n\xff\xfe broken\n",
        b"WEBVTT\n" + b"a" * 3_000_000,
    ],
)
def test_files_without_readable_captions_are_refused(content: bytes) -> None:
    video = VideoFactory()

    with pytest.raises(ValidationError):
        services.caption_track_set(video=video, language="en", content=content)
    assert not CaptionTrack.objects.exists()


def test_a_refusal_is_in_the_language_of_the_page() -> None:
    with translation.override("fr"), pytest.raises(ValidationError) as refusal:
        services.caption_text_normalise(b"1\n00:00:05,000 --> 00:00:04,000\nBye\n")

    assert refusal.value.messages[0].startswith("Ligne 2 :")


def test_a_track_is_stored_as_clean_utf8_webvtt() -> None:
    video = VideoFactory()

    track = services.caption_track_set(
        video=video, language="fr", content=b"\xef\xbb\xbf" + VTT
    )

    with track.file.open("rb") as handle:
        stored = handle.read().decode("utf-8")
    assert stored == "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBonjour\n"


def test_setting_the_same_captions_again_changes_nothing() -> None:
    video = VideoFactory()
    first = services.caption_track_set(video=video, language="fr", content=VTT)

    again = services.caption_track_set(video=video, language="fr", content=VTT)

    assert (again.pk, again.file.name) == (first.pk, first.file.name)
    assert CaptionTrack.objects.count() == 1


def test_new_captions_replace_the_old_ones_of_their_language(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    video = VideoFactory()
    old = services.caption_track_set(video=video, language="fr", content=VTT)

    with django_capture_on_commit_callbacks(execute=True):
        new = services.caption_track_set(
            video=video, language="fr", content=VTT.replace(b"Bonjour", b"Salut")
        )

    assert new.pk == old.pk
    with new.file.open("rb") as handle:
        assert b"Salut" in handle.read()
    assert CaptionTrack.objects.count() == 1


def test_deleting_a_track_removes_its_file(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    track = services.caption_track_set(video=VideoFactory(), language="fr", content=VTT)
    name = track.file.name

    with django_capture_on_commit_callbacks(execute=True):
        services.caption_track_delete(track=track)

    assert not CaptionTrack.objects.exists()
    assert not track.file.storage.exists(name)


def test_a_transcript_as_text_has_a_line_per_cue_without_markup() -> None:
    read = captions.read(FRENCH.encode("utf-8"))

    text = captions.to_text(read).splitlines()

    assert text[:3] == [
        "[Musique]",
        "Narrateur: Vous voulez ces gens.",
        "Ils commandent vos produits, ils demandent vos services,",
    ]
    assert "Terrill: C'est important pour les concepteurs et les développeurs web" in (
        text
    )
    assert not any("<" in line for line in text)


def test_a_transcript_as_srt_numbers_cues_and_keeps_only_srt_markup() -> None:
    read = captions.read(FRENCH.encode("utf-8"))

    srt = captions.to_srt(read)

    assert srt.startswith("1\n00:00:00,429 --> 00:00:09,165\n[Musique]\n\n2\n")
    assert "Vous <i> voulez </i> ces gens." in srt
    assert "<v" not in srt and "<c." not in srt
    assert captions.read(srt.encode()).cues[-1].end_ms == read.cues[-1].end_ms


def test_srt_round_trips_through_webvtt() -> None:
    original = captions.read((FIXTURES / "en.srt").read_bytes())

    again = captions.read(captions.to_srt(original).encode("utf-8"))

    assert [(c.start_ms, c.end_ms, c.text) for c in again.cues] == [
        (c.start_ms, c.end_ms, c.text) for c in original.cues
    ]


def test_captions_are_labelled_in_the_language_of_the_page() -> None:
    video = ready_video(captions=("en", "fr"))

    with translation.override("fr"):
        playback = selectors.video_playback(video=video)

    assert [(c.language, c.label) for c in playback.captions] == [
        ("en", "Anglais"),
        ("fr", "Français"),
    ]


def test_captions_in_the_language_of_the_page_are_on_by_default() -> None:
    video = ready_video(captions=("en", "fr"), has_audio=True)

    with translation.override("fr"):
        playback = selectors.video_playback(video=video)

    assert [c.language for c in playback.captions if c.is_default] == ["fr"]


def test_a_silent_video_shows_its_first_captions_by_default() -> None:
    video = ready_video(captions=("en",), has_audio=False)

    with translation.override("zh-hans"):
        playback = selectors.video_playback(video=video)

    assert [c.language for c in playback.captions if c.is_default] == ["en"]
