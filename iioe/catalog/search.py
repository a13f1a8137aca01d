"""Course search: a portable index of folded words and pairs of characters.

Each course is kept in the index as postings, one row per distinct term with
the weight of the most telling field the term is in (title, then provider and
instructors, then subject, then overview and syllabus). A term is either a
word of text written with spaces, folded to lower case without accents, or
one or two neighbouring characters of Chinese, Japanese or Korean text, which
is written without them. A query must match each of its words, the last one
also as the start of a longer word, so that results come while one types; a
Chinese query of n characters must match all its character pairs and, for
three or more, then appear in one piece in the course's folded text.

Everything is a B-tree lookup in ordinary tables, so SQLite and PostgreSQL
return the same results at about the same speed, and the search, its filters
and its facets read the index alone.
"""

import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from iioe.catalog import selectors
from iioe.catalog.models import (
    LANGUAGE_NAMES,
    Category,
    Course,
    CourseLanguage,
    Family,
    SearchPosting,
    SearchTerm,
    SearchText,
)

logger = logging.getLogger(__name__)

# Field weights. Each is worth more than three matches in the fields below,
# so a query's words found in the title outrank the same words found
# anywhere else.
WEIGHT_TITLE = 27
WEIGHT_PEOPLE = 9
WEIGHT_SUBJECT = 3
WEIGHT_TEXT = 1

TERM_MAX_LENGTH = 64
# A query's last word this long or longer also finds the words it begins,
# the commonest PREFIX_COMPLETIONS of them.
PREFIX_MIN_LENGTH = 2
PREFIX_COMPLETIONS = 50
# Words of a query past this many are not looked up, which bounds the cost
# of a query; a Chinese string is still checked whole.
QUERY_MAX_GROUPS = 8
INDEX_BATCH = 500
SQL_IN_BATCH = 500
SNIPPET_CHARS = 160

# Scripts written without spaces between words.
_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3130-\u318f"
    "\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff"
    "\uf900-\ufaff\U00020000-\U0003134f"
)
TOKEN_RE = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
_MARKS_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Letters that Unicode does not decompose but a reader takes for others.
_LETTERS = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)


# Folding and terms


def search_fold(text: str) -> str:
    """Fold text for searching: no case, no accents, compatibility forms unified.

    "Étudier", "ETUDIER" and "étudier" all give "etudier"; full-width "Ａ"
    gives "a". Folding a string gives the same as folding each of its
    characters and joining them, which highlighting relies on.
    """
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    stripped = _MARKS_RE.sub("", decomposed).translate(_LETTERS)
    return unicodedata.normalize("NFKC", stripped)


_fold_char = lru_cache(maxsize=8192)(search_fold)


def search_terms(folded: str, cjk_runs: list[str] | None = None) -> Iterator[str]:
    """Yield the index terms of folded text, with repeats.

    Words are terms; a run of Chinese, Japanese or Korean gives each of its
    characters and each pair of neighbours. Runs of three or more characters
    are also added to cjk_runs, when given.
    """
    for match in TOKEN_RE.finditer(folded):
        word = match.group("word")
        if word is not None:
            if len(word) <= TERM_MAX_LENGTH:
                yield word
            continue
        run = match.group("cjk")
        if cjk_runs is not None and len(run) >= 3:
            cjk_runs.append(run)
        yield from run
        yield from (run[i : i + 2] for i in range(len(run) - 1))


# Queries


@dataclass(frozen=True)
class SearchQuery:
    """A query folded and cut into what the index can look up."""

    words: tuple[str, ...] = ()
    # The last word, when it may also be the start of a longer one.
    prefix: str = ""
    cjk_runs: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.prefix or self.cjk_runs)


def search_query_parse(text: str) -> SearchQuery:
    """Cut a query into words, a last word to complete, and Chinese strings."""
    words: list[str] = []
    runs: list[str] = []
    last_is_word = False
    for match in TOKEN_RE.finditer(search_fold(text)):
        word = match.group("word")
        last_is_word = word is not None
        if word is not None:
            words.append(word[:TERM_MAX_LENGTH])
        else:
            runs.append(match.group("cjk"))

    prefix = ""
    if last_is_word and len(words[-1]) >= PREFIX_MIN_LENGTH:
        prefix = words.pop()
    return SearchQuery(
        words=tuple(dict.fromkeys(words)),
        prefix=prefix,
        cjk_runs=tuple(dict.fromkeys(runs)),
    )


@dataclass(frozen=True)
class _Group:
    """Terms of which a course must have one, to match one part of a query."""

    terms: tuple[str, ...]
    # The term as typed; the others complete it and weigh a little less.
    exact: str
    # How many courses have one of the terms, at most.
    course_count: int


@dataclass(frozen=True)
class _Plan:
    groups: list[_Group]
    # Chinese strings that must appear whole in a course's text.
    phrases: list[str]


def _query_parts(query: SearchQuery) -> list[str]:
    """Return the exact terms to look up: the words and Chinese pieces.

    A Chinese string of two or more characters is covered by pairs of
    characters, every other pair and the last one, since the whole string
    is then checked anyway.
    """
    parts = list(query.words)
    for run in query.cjk_runs:
        if len(run) == 1:
            parts.append(run)
            continue
        starts = [*range(0, len(run) - 1, 2), len(run) - 2]
        parts.extend(run[i : i + 2] for i in dict.fromkeys(starts))
    return list(dict.fromkeys(parts))


def _plan(query: SearchQuery) -> _Plan | None:
    """Look up the query's terms and their completions; None if one has none.

    One query on the vocabulary.
    """
    parts = _query_parts(query)
    if query.prefix:
        parts = [p for p in parts if p != query.prefix]
    parts = parts[: QUERY_MAX_GROUPS - (1 if query.prefix else 0)]
    condition = Q(term__in=parts)
    if query.prefix:
        condition |= Q(term__gte=query.prefix, term__lt=_after_prefix(query.prefix))
    counts = dict(
        SearchTerm.objects.filter(condition).values_list("term", "course_count")
    )

    groups = []
    for part in parts:
        if part not in counts:
            return None
        groups.append(_Group((part,), part, counts[part]))
    if query.prefix:
        completions = sorted(
            (t for t in counts if t.startswith(query.prefix)),
            key=lambda t: (t != query.prefix, -counts[t], t),
        )[:PREFIX_COMPLETIONS]
        if not completions:
            return None
        total = sum(counts[t] for t in completions)
        groups.append(_Group(tuple(completions), query.prefix, total))
    phrases = [run for run in query.cjk_runs if len(run) >= 3]
    return _Plan(groups=groups, phrases=phrases)


def _after_prefix(prefix: str) -> str:
    """Return the first string after every string that starts with prefix."""
    return prefix[:-1] + chr(min(ord(prefix[-1]) + 1, 0x10FFFF))


# The SQL of a search


@dataclass(frozen=True)
class _Where:
    """The filters of a search that the index can apply itself."""

    published_only: bool = True
    category_ids: tuple[int, ...] | None = None
    language: str = ""


def _weight_sql(alias: str, group: _Group) -> tuple[str, list[object]]:
    """Return the best weight of a group's terms, doubled, one less if completed."""
    if len(group.terms) == 1 and group.terms[0] == group.exact:
        return f"MAX({alias}.weight * 2)", []
    return (
        f"MAX(CASE WHEN {alias}.term = %s THEN {alias}.weight * 2 "
        f"ELSE {alias}.weight * 2 - 1 END)",
        [group.exact],
    )


def _in_sql(values: Sequence[object]) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def _match_sql(plan: _Plan, where: _Where) -> tuple[str, list[object]]:
    """Return SQL giving each matching course: id, category, language, score.

    It reads the postings of the rarest part of the query, grouped by
    course, and looks up each other part for those courses only; every read
    is a range of the postings' one index.
    """
    postings = connection.ops.quote_name(SearchPosting._meta.db_table)
    texts = connection.ops.quote_name(SearchText._meta.db_table)
    driver, *others = sorted(plan.groups, key=lambda g: g.course_count)

    weight, params = _weight_sql("p0", driver)
    columns = [
        "p0.course_id AS course_id",
        "MAX(p0.category_id) AS category_id",
        "MAX(p0.language) AS language",
        f"{weight} AS w0",
    ]
    for number, group in enumerate(others, start=1):
        alias = f"p{number}"
        weight, weight_params = _weight_sql(alias, group)
        columns.append(
            f"(SELECT {weight} FROM {postings} {alias} "
            f"WHERE {alias}.term IN {_in_sql(group.terms)} "
            f"AND {alias}.course_id = p0.course_id) AS w{number}"
        )
        params += [*weight_params, *group.terms]

    conditions = [f"p0.term IN {_in_sql(driver.terms)}"]
    params += driver.terms
    if where.published_only:
        conditions.append("p0.is_published = %s")
        params.append(True)
    if where.category_ids is not None:
        conditions.append(f"p0.category_id IN {_in_sql(where.category_ids)}")
        params += where.category_ids
    if where.language:
        conditions.append("p0.language = %s")
        params.append(where.language)
    grouped = (
        f"SELECT {', '.join(columns)} FROM {postings} p0 "  # noqa: S608
        f"WHERE {' AND '.join(conditions)} GROUP BY p0.course_id"
    )

    outer = [f"m.w{n} IS NOT NULL" for n in range(1, len(others) + 1)]
    for phrase in plan.phrases:
        # Folded Chinese text holds no % or _, so the pattern needs no escape.
        outer.append(
            f"EXISTS (SELECT 1 FROM {texts} t WHERE t.course_id = m.course_id "
            "AND t.cjk_text LIKE %s)"
        )
        params.append(f"%{phrase}%")
    score = " + ".join(f"m.w{n}" for n in range(len(others) + 1))
    sql = (
        f"SELECT m.course_id, m.category_id, m.language, {score} AS score "  # noqa: S608
        f"FROM ({grouped}) m"
    )
    if outer:
        sql += " WHERE " + " AND ".join(outer)
    return sql, params


def course_search_q(q: str, *, published_only: bool = True) -> Q:
    """Return a filter of courses to those the search finds for q.

    For lists that sort and page courses their own way, such as the staff's.
    One query on the vocabulary is made now; the rest is a subquery. An empty
    query filters nothing.
    """
    query = search_query_parse(q)
    if query.is_empty:
        return Q()
    plan = _plan(query)
    if plan is None:
        return Q(pk__in=[])
    sql, params = _match_sql(plan, _Where(published_only=published_only))
    return Q(pk__in=RawSQL(f"SELECT s.course_id FROM ({sql}) s", params))  # noqa: S608


# The catalog's search


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class SearchFacets:
    """How many results each family, subcategory and language has.

    Each facet counts the results under the other facets' filters but not
    its own, so that its values can be switched between: the counts of a
    facet add up to the number of results when it is not filtered.
    """

    families: list[FacetValue]
    categories: list[FacetValue]
    languages: list[FacetValue]


@dataclass(frozen=True)
class SearchHit:
    """A course found, with its title and provider marked where they match.

    The snippet, when there is one, shows where the words missing from the
    title matched: the instructors, the subject, the overview or the
    syllabus.
    """

    course: Course
    title_html: SafeString
    provider_html: SafeString
    snippet_label: str = ""
    snippet_html: SafeString = SafeString("")


@dataclass(frozen=True)
class CourseSearchResults:
    query: SearchQuery
    page: Page
    facets: SearchFacets


@dataclass(frozen=True)
class _Cell:
    category_id: int
    language: str
    count: int


class _Hits:
    """The results of a search as the paginator reads them.

    The count is known beforehand; a slice runs the queries for its page.
    """

    def __init__(self, total: int, fetch: Callable[[int, int], list[SearchHit]]):
        self.total = total
        self.fetch = fetch

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, item: slice) -> list[SearchHit]:
        start = item.start or 0
        stop = self.total if item.stop is None else item.stop
        return self.fetch(start, stop)


def course_search_page(
    *,
    filters: selectors.CourseFilters,
    categories: list[Category],
    page: str | int | None,
    per_page: int | None = None,
) -> CourseSearchResults:
    """Search the published courses for filters.q; one page, with facets.

    Results are sorted by relevance (the best fields the words are in, then
    the newest course first) unless another sort is asked for. The facets and
    the total come from one query, the page from two more (its ids, then its
    courses) and their instructors from a fourth, after one on the
    vocabulary: five queries whatever the size of the catalog or the page.
    A query with nothing to look up, or a word found nowhere, costs one or
    none and finds nothing.
    """
    per_page = per_page or selectors.COURSES_PER_PAGE
    query = search_query_parse(filters.q)
    plan = None if query.is_empty else _plan(query)
    where = _Where(
        category_ids=_category_ids(filters, categories), language=filters.language
    )

    cells = [] if plan is None else _cells(plan)
    facets = _facets(cells, filters=filters, categories=categories)
    total = sum(c.count for c in cells if _cell_kept(c, where))

    def fetch(start: int, stop: int) -> list[SearchHit]:
        if plan is None or stop <= start:
            return []
        courses = _page_courses(plan, where, filters, start, stop)
        return [_hit(course, query) for course in courses]

    paginator = Paginator(_Hits(total, fetch), per_page)  # type: ignore[arg-type]
    return CourseSearchResults(
        query=query, page=paginator.get_page(page), facets=facets
    )


def _category_ids(
    filters: selectors.CourseFilters, categories: list[Category]
) -> tuple[int, ...] | None:
    if filters.category:
        return tuple(c.pk for c in categories if c.slug == filters.category)
    if filters.family:
        return tuple(c.pk for c in categories if c.family == filters.family)
    return None


def _cell_kept(cell: _Cell, where: _Where) -> bool:
    if where.language and cell.language != where.language:
        return False
    return where.category_ids is None or cell.category_id in where.category_ids


def _cells(plan: _Plan) -> list[_Cell]:
    """Count the results by subcategory and language, unfiltered; one query."""
    sql, params = _match_sql(plan, _Where())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.category_id, r.language, COUNT(*) "  # noqa: S608
            f"FROM ({sql}) r GROUP BY r.category_id, r.language",
            params,
        )
        return [_Cell(*row) for row in cursor.fetchall()]


def _page_courses(
    plan: _Plan,
    where: _Where,
    filters: selectors.CourseFilters,
    start: int,
    stop: int,
) -> list[Course]:
    """Return the courses of one page of results, in order; three queries.

    By relevance, the index gives the page's ids and the courses are then
    read by id; by another order, the courses are read in that order among
    the results.
    """
    courses = (
        selectors.course_list_published(filters=replace(filters, q=""))
        .defer(None)
        .select_related("category", "provider")
        .prefetch_related("instructors")
    )
    sql, params = _match_sql(plan, where)
    if filters.sort != selectors.Sort.RELEVANCE:
        subquery = RawSQL(f"SELECT s.course_id FROM ({sql}) s", params)  # noqa: S608
        return list(courses.filter(pk__in=subquery)[start:stop])

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.course_id FROM ({sql}) s "  # noqa: S608
            "ORDER BY s.score DESC, s.course_id DESC LIMIT %s OFFSET %s",
            [*params, stop - start, start],
        )
        ids = [row[0] for row in cursor.fetchall()]
    by_id = courses.in_bulk(ids) if ids else {}
    return [by_id[pk] for pk in ids if pk in by_id]


def _facets(
    cells: list[_Cell],
    *,
    filters: selectors.CourseFilters,
    categories: list[Category],
) -> SearchFacets:
    """Count the results of each facet value under the other facets' filters."""
    family_of = {c.pk: c.family for c in categories}
    place_ids = _category_ids(filters, categories)
    families: Counter[str] = Counter()
    places: Counter[int] = Counter()
    languages: Counter[str] = Counter()
    for cell in cells:
        language_kept = not filters.language or cell.language == filters.language
        if language_kept:
            families[family_of.get(cell.category_id, "")] += cell.count
            places[cell.category_id] += cell.count
        if place_ids is None or cell.category_id in place_ids:
            languages[cell.language] += cell.count

    shown = [
        c
        for c in categories
        if (not filters.family or c.family == filters.family)
        and (places[c.pk] or c.slug == filters.category)
    ]
    return SearchFacets(
        families=[
            FacetValue(f.value, str(f.label), families[f.value], f == filters.family)
            for f in Family
        ],
        categories=[
            FacetValue(c.slug, c.name, places[c.pk], c.slug == filters.category)
            for c in shown
        ],
        languages=[
            FacetValue(
                lang.value,
                str(LANGUAGE_NAMES[lang]),
                languages[lang.value],
                lang == filters.language,
            )
            for lang in CourseLanguage
        ],
    )


# Highlighting


@dataclass(frozen=True)
class _Marked:
    # Where the query matched, as (start, end) in the original text, sorted.
    spans: list[tuple[int, int]]
    # Which words and Chinese strings of the query matched.
    parts: set[str]


def _mark(text: str, query: SearchQuery) -> _Marked:
    """Find where a query matches text, ignoring case and accents."""
    if text.isascii():
        folded = text.lower()
        owners: list[int] | None = None
    else:
        pieces = [_fold_char(char) for char in text]
        folded = "".join(pieces)
        owners = [i for i, piece in enumerate(pieces) for _ in piece]

    found: list[tuple[int, int]] = []
    parts: set[str] = set()
    words = set(query.words)
    for match in TOKEN_RE.finditer(folded):
        word = match.group("word")
        if word is None:
            continue
        if word in words:
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
    """Map a span of folded text back to the text, with any trailing accents."""
    first, last = owners[start], owners[end - 1] + 1
    while last < len(text) and not _fold_char(text[last]):
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
    """Escape text and wrap each span in <mark>."""
    html = []
    position = 0
    for start, end in spans:
        html += [escape(text[position:start]), "<mark>", escape(text[start:end])]
        html.append("</mark>")
        position = end
    html.append(escape(text[position:]))
    return mark_safe("".join(html))  # noqa: S308


def search_highlight(text: str, query: SearchQuery) -> SafeString:
    """Return text as safe HTML with the query's matches wrapped in <mark>."""
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


def _hit(course: Course, query: SearchQuery) -> SearchHit:
    """Mark a course's title and provider, and pick a snippet if one is due."""
    title = _mark(course.title, query)
    provider = _mark(course.provider.name, query)
    hit = SearchHit(
        course=course,
        title_html=_render(course.title, title.spans),
        provider_html=_render(course.provider.name, provider.spans),
    )
    wanted = _query_wanted(query) - title.parts - provider.parts
    if not wanted:
        return hit

    names = "; ".join(i.name for i in course.instructors.all())
    for label, text in [
        (_("Instructors"), names),
        (_("Subject"), course.subject),
        (_("Overview"), course.overview),
        (_("Syllabus"), course.syllabus),
    ]:
        marked = _mark(text, query)
        if marked.parts & wanted:
            snippet = _snippet(text, marked.spans)
            return replace(hit, snippet_label=str(label), snippet_html=snippet)
    return hit


def _query_wanted(query: SearchQuery) -> set[str]:
    wanted = set(query.words) | set(query.cjk_runs)
    if query.prefix:
        wanted.add(query.prefix)
    return wanted


# Keeping the index


def _index_courses(ids: Sequence[int], *, lock: bool) -> list[Course]:
    courses = (
        Course.objects.filter(pk__in=ids)
        .select_related("provider")
        .prefetch_related("instructors")
        .only(
            "title",
            "subject",
            "overview",
            "syllabus",
            "category_id",
            "language",
            "is_published",
            "provider__name",
        )
    )
    if lock:
        courses = courses.select_for_update(of=("self",))
    return list(courses)


@dataclass(frozen=True)
class _Document:
    """What the index holds for one course."""

    postings: frozenset[tuple[str, int, int, str, bool]]
    cjk_text: str

    @property
    def terms(self) -> set[str]:
        return {posting[0] for posting in self.postings}


def _document(course: Course) -> _Document:
    """Return a course's postings and Chinese text, as the index should have."""
    fields = [
        (course.title, WEIGHT_TITLE),
        (course.provider.name, WEIGHT_PEOPLE),
        *((i.name, WEIGHT_PEOPLE) for i in course.instructors.all()),
        (course.subject, WEIGHT_SUBJECT),
        (course.overview, WEIGHT_TEXT),
        (course.syllabus, WEIGHT_TEXT),
    ]
    weights: dict[str, int] = {}
    runs: list[str] = []
    for text, weight in fields:
        for term in search_terms(search_fold(text), runs):
            if weights.get(term, 0) < weight:
                weights[term] = weight
    facts = (course.category_id, course.language, course.is_published)
    return _Document(
        postings=frozenset((term, weight, *facts) for term, weight in weights.items()),
        cjk_text=" ".join(dict.fromkeys(runs)),
    )


def _postings_write(documents: dict[int, _Document]) -> int:
    rows = [
        SearchPosting(
            term=term,
            course_id=course_id,
            weight=weight,
            category_id=category_id,
            language=language,
            is_published=is_published,
        )
        for course_id, document in documents.items()
        for term, weight, category_id, language, is_published in document.postings
    ]
    SearchPosting.objects.bulk_create(rows, batch_size=SQL_IN_BATCH)
    texts = [
        SearchText(course_id=course_id, cjk_text=document.cjk_text)
        for course_id, document in documents.items()
        if document.cjk_text
    ]
    SearchText.objects.bulk_create(texts, batch_size=SQL_IN_BATCH)
    return len(rows)


def course_search_index_update(*, course_ids: Iterable[int]) -> None:
    """Bring the search index of these courses up to date with the courses.

    Call it, in the same transaction, after anything that changes what a
    search reads: a course's title, subject, overview, syllabus, subcategory,
    language, publication, provider or instructors (a renamed provider or
    instructor included, with the ids of their courses). Courses whose index
    is already right are left alone, and deleted courses leave the index.
    About six queries per INDEX_BATCH courses, plus the writes for those
    that changed; the courses are locked meanwhile, so that two updates of
    the same course queue up.
    """
    ids = sorted(set(course_ids))
    with transaction.atomic():
        for start in range(0, len(ids), INDEX_BATCH):
            _index_batch(ids[start : start + INDEX_BATCH])


def _index_batch(ids: list[int]) -> None:
    wanted = {c.pk: _document(c) for c in _index_courses(ids, lock=True)}
    held: dict[int, set[tuple[str, int, int, str, bool]]] = defaultdict(set)
    postings = SearchPosting.objects.filter(course_id__in=ids).values_list(
        "course_id", "term", "weight", "category_id", "language", "is_published"
    )
    for course_id, *posting in postings:
        held[course_id].add(tuple(posting))  # type: ignore[arg-type]
    texts = dict(
        SearchText.objects.filter(course_id__in=ids).values_list(
            "course_id", "cjk_text"
        )
    )

    changed = [
        pk
        for pk in ids
        if pk not in wanted
        or wanted[pk].postings != held.get(pk, set())
        or wanted[pk].cjk_text != texts.get(pk, "")
    ]
    if not changed:
        return
    SearchPosting.objects.filter(course_id__in=changed).delete()
    SearchText.objects.filter(course_id__in=changed).delete()
    _postings_write({pk: wanted[pk] for pk in changed if pk in wanted})

    counts: Counter[str] = Counter()
    for pk in changed:
        counts.update(wanted[pk].terms if pk in wanted else ())
        counts.subtract({posting[0] for posting in held.get(pk, ())})
    _term_counts_add(counts)
    logger.info("Search index updated for %s courses", len(changed))


def _term_counts_add(deltas: Counter[str]) -> None:
    """Add to the vocabulary's course counts, creating the terms that are new.

    Terms whose count falls to zero stay, harmlessly, until a rebuild. Rows
    are written in the order of their terms, one statement a batch, so that
    concurrent updates lock them in the same order.
    """
    changed = sorted(term for term, delta in deltas.items() if delta)
    SearchTerm.objects.bulk_create(
        [SearchTerm(term=t) for t in changed if deltas[t] > 0],
        ignore_conflicts=True,
        batch_size=SQL_IN_BATCH,
    )
    for start in range(0, len(changed), SQL_IN_BATCH):
        batch = changed[start : start + SQL_IN_BATCH]
        SearchTerm.objects.filter(term__in=batch).update(
            course_count=F("course_count")
            + Case(*(When(term=t, then=Value(deltas[t])) for t in batch))
        )


def course_search_index_rebuild(
    *, batch_size: int = 1000, progress: Callable[[int], None] | None = None
) -> int:
    """Index every course afresh; return the number of postings written.

    For a first load, or after changes made without the index being told.
    Everything happens in one transaction, so searches see the old index
    until the new one is complete. Then the database's statistics of the
    index tables are refreshed, so that its planner knows their shape.
    """
    written = 0
    with transaction.atomic():
        for model in (SearchPosting, SearchText, SearchTerm):
            model.objects.all().delete()
        ids = list(Course.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            courses = _index_courses(ids[start : start + batch_size], lock=False)
            written += _postings_write({c.pk: _document(c) for c in courses})
            if progress is not None:
                progress(min(start + batch_size, len(ids)))
        _term_counts_rebuild()

    with connection.cursor() as cursor:
        for model in (SearchPosting, SearchText, SearchTerm):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    logger.info("Search index rebuilt: %s courses, %s postings", len(ids), written)
    return written


def _term_counts_rebuild() -> None:
    terms = connection.ops.quote_name(SearchTerm._meta.db_table)
    postings = connection.ops.quote_name(SearchPosting._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {terms} (term, course_count) "  # noqa: S608
            f"SELECT term, COUNT(*) FROM {postings} GROUP BY term"
        )
