"""Marking where a search matched a course, as safe HTML.

Text is escaped first, then each match is wrapped in <mark>. Matching folds
the text character by character, as the index does, and maps each match back
to the characters it came from, so that "Étudiant" is marked whole for
"etudiant" and a decomposed accent stays inside its mark.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from iioe.catalog.models import Course
from iioe.catalog.search_index import TOKEN_RE, SearchQuery, fold_char

SNIPPET_CHARS = 160


@dataclass(frozen=True)
class SearchHit:
    """A course found, with its title and provider marked where they match.

    The snippet, if any, shows where the words missing from the title and
    provider matched: the instructors, the subject, the overview or the
    syllabus.
    """

    course: Course
    title_html: SafeString
    provider_html: SafeString
    snippet_label: str = ""
    snippet_html: SafeString = SafeString("")
    # The language of the snippet's text: the course's, but for names.
    snippet_language: str = ""


@dataclass(frozen=True)
class _Marked:
    # Where the query matched, as (start, end) in the original text, sorted.
    spans: list[tuple[int, int]]
    # Which parts of the query matched.
    parts: set[str]


def _mark(text: str, query: SearchQuery) -> _Marked:
    """Find where a query matches text, ignoring case and accents."""
    if text.isascii():
        folded = text.lower()
        owners: list[int] | None = None
    else:
        pieces = [fold_char(char) for char in text]
        folded = "".join(pieces)
        owners = [i for i, piece in enumerate(pieces) for _char in piece]

    found: list[tuple[int, int]] = []
    parts: set[str] = set()
    for match in TOKEN_RE.finditer(folded):
        word = match.group("word")
        if word is None:
            continue
        if word in query.words:
            found.append(match.span())
            parts.add(word)
        elif query.prefix and word.startswith(query.prefix):
            found.append(match.span())
            parts.add(query.prefix)
    for run in query.cjk_runs:
        start = folded.find(run)
        while start != -1:
            found.append((start, start + len(run)))
            parts.add(run)
            start = folded.find(run, start + len(run))

    if owners is not None:
        found = [_original_span(text, owners, s, e) for s, e in found]
    return _Marked(spans=_merged(found), parts=parts)


def _original_span(
    text: str, owners: list[int], start: int, end: int
) -> tuple[int, int]:
    """Map a span of folded text back to the text, with any accents after it."""
    first, last = owners[start], owners[end - 1] + 1
    while last < len(text) and not fold_char(text[last]):
        last += 1
    return first, last


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _render(text: str, spans: Iterable[tuple[int, int]]) -> SafeString:
    """Escape text, wrapping each span in <mark>."""
    html = []
    position = 0
    for start, end in spans:
        html += [escape(text[position:start]), "<mark>", escape(text[start:end])]
        html.append("</mark>")
        position = end
    html.append(escape(text[position:]))
    return mark_safe("".join(html))  # noqa: S308


def search_highlight(text: str, query: SearchQuery) -> SafeString:
    """Return text as safe HTML, with the query's matches wrapped in <mark>."""
    return _render(text, _mark(text, query).spans)


def _snippet(text: str, spans: list[tuple[int, int]]) -> SafeString:
    """Return about SNIPPET_CHARS of text around its first match, marked."""
    first_start, first_end = spans[0]
    start = max(0, first_start - SNIPPET_CHARS // 3)
    if start:
        space = text.find(" ", start, first_start)
        start = space + 1 if space != -1 else start
    end = min(len(text), max(start + SNIPPET_CHARS, first_end))
    if end < len(text):
        space = text.rfind(" ", first_end, end)
        end = space if space != -1 else end

    inside = [(max(s, start) - start, min(e, end) - start) for s, e in spans]
    html = _render(text[start:end], [(s, e) for s, e in inside if s < e])
    before = "… " if start else ""
    after = " …" if end < len(text) else ""
    return mark_safe(f"{before}{html}{after}")  # noqa: S308


def search_hit(course: Course, query: SearchQuery) -> SearchHit:
    """Mark a course's title and provider, and pick a snippet if one is due."""
    title = _mark(course.title, query)
    provider = _mark(course.provider.name, query)
    hit = SearchHit(
        course=course,
        title_html=_render(course.title, title.spans),
        provider_html=_render(course.provider.name, provider.spans),
    )
    missing = query.parts - title.parts - provider.parts
    if not missing:
        return hit

    names = "; ".join(i.name for i in course.instructors.all())
    for label, text, language in [
        (_("Instructors"), names, ""),
        (_("Subject"), course.subject, ""),
        (_("Overview"), course.overview, course.language),
        (_("Syllabus"), course.syllabus, course.language),
    ]:
        marked = _mark(text, query)
        if marked.parts & missing:
            return replace(
                hit,
                snippet_label=str(label),
                snippet_html=_snippet(text, marked.spans),
                snippet_language=language,
            )
    return hit
