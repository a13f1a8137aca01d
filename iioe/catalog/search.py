"""The course search of the site header and the catalog.

A query is folded like the index (iioe.catalog.search_index) and cut into
parts, each of which a course must match: a word; the last word, also as the
start of a longer one, so that results come while one types; and a Chinese
string, itself if it has up to three characters, else the strings of three
it overlaps with, after which it must appear in one piece in the course.
The sets of courses of the parts' terms are read in one query and combined
in memory: intersected, filtered, counted by facet and ranked, title matches
first. Only the page shown is then read from the courses table, and its
matches are marked.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q

from iioe.catalog import selectors
from iioe.catalog.models import (
    LANGUAGE_NAMES,
    Category,
    Course,
    CourseLanguage,
    Family,
    SearchDocument,
    SearchTerm,
)
from iioe.catalog.search_highlight import SearchHit, search_hit
from iioe.catalog.search_index import (
    CATEGORY_TERM,
    LANGUAGE_TERM,
    LEVEL_PEOPLE,
    LEVEL_SUBJECT,
    LEVEL_TEXT,
    LEVEL_TITLE,
    LEVELS,
    PHRASE_MIN_LENGTH,
    SearchQuery,
    bitmap_from_ids,
    bitmap_ids,
    search_query_parse,
    terms_load_with_own,
)
from iioe.catalog.search_index import (
    course_search_index_rebuild as course_search_index_rebuild,
)
from iioe.catalog.search_index import (
    course_search_index_update as course_search_index_update,
)

# How much a match in each field counts. Each weighs more than three matches
# in the fields below it, so a query's words found in the title outrank the
# same words found anywhere else; a word completed from the one typed weighs
# one less than the word itself.
LEVEL_WEIGHTS = {LEVEL_TITLE: 54, LEVEL_PEOPLE: 18, LEVEL_SUBJECT: 6, LEVEL_TEXT: 2}
PREFIX_COMPLETIONS = 50
# Parts of a query past this many are not looked up, which bounds the cost
# of a query; a Chinese string is still checked whole.
QUERY_MAX_PARTS = 8
# Chinese strings of four characters or more are checked in the candidates'
# text, this many at a time.
PHRASE_BATCH = 500
# Courses sorted by something else than relevance are read by id when there
# are at most this many; more, and the sorted list is walked instead.
SORTED_BY_ID_MAX = 2000
# The subcategories with the most results that the facet lists; the filter
# form lists them all.
FACET_CATEGORIES_SHOWN = 8
# A filter made by course_search_q lists at most this many ids.
Q_MAX_COURSES = 1000


def _exact_terms(query: SearchQuery) -> list[str]:
    """Return the terms that must each match: the words and Chinese pieces.

    A Chinese string longer than three characters is covered by strings of
    three, overlapping by one, since the whole string is checked afterwards.
    """
    terms = list(query.words)
    for run in query.cjk_runs:
        if len(run) < PHRASE_MIN_LENGTH:
            terms.append(run)
            continue
        starts = [*range(0, len(run) - 2, 2), len(run) - 3]
        terms.extend(run[i : i + 3] for i in dict.fromkeys(starts))
    terms = list(dict.fromkeys(terms))
    return terms[: QUERY_MAX_PARTS - (1 if query.prefix else 0)]


@dataclass(frozen=True)
class _Matches:
    """The courses a query matches, before filters, with their scores."""

    courses: int
    # Score classes per part of the query: (score, courses), disjoint.
    classes: list[list[tuple[int, int]]]
    # The published courses of each subcategory id and of each language.
    categories: dict[int, int]
    languages: dict[str, int]

    @property
    def published(self) -> int:
        everything = 0
        for courses in self.languages.values():
            everything |= courses
        return everything


def _matches(query: SearchQuery, *, published_only: bool = True) -> _Matches | None:
    """Find the courses matching every part of a query; None if none can.

    Two queries: the terms and completions that exist, then their sets with
    the subcategories' and languages'. A Chinese string of four characters
    or more costs one more per PHRASE_BATCH candidates.
    """
    exact = _exact_terms(query)
    condition = Q(term__in=exact)
    if query.prefix:
        end = query.prefix[:-1] + chr(ord(query.prefix[-1]) + 1)
        condition |= Q(term__gte=query.prefix, term__lt=end)
    counts = dict(
        SearchTerm.objects.filter(condition).values_list("term", "course_count")
    )
    if any(term not in counts for term in exact):
        return None
    completions = sorted(
        (t for t in counts if query.prefix and t.startswith(query.prefix)),
        key=lambda t: (t != query.prefix, -counts[t], t),
    )[:PREFIX_COMPLETIONS]
    if query.prefix and not completions:
        return None

    sets = terms_load_with_own(exact + completions)
    # A term removed by an update between the two queries matches nothing.
    empty = [0] * LEVELS
    classes = [_classes({term: sets.get(term, empty)}, exact=term) for term in exact]
    if query.prefix:
        found = {term: sets.get(term, empty) for term in completions}
        classes.append(_classes(found, exact=query.prefix))
    matches = _Matches(
        courses=_everything(classes),
        classes=classes,
        categories=_own_sets(sets, CATEGORY_TERM, int),
        languages=_own_sets(sets, LANGUAGE_TERM, str),
    )
    courses = matches.courses & matches.published if published_only else matches.courses
    for run in query.cjk_runs:
        if len(run) >= PHRASE_MIN_LENGTH and courses:
            courses = _with_phrase(courses, run)
    return replace(matches, courses=courses)


def _own_sets(
    sets: dict[str, list[int]], pattern: str, key: Callable[[str], object]
) -> dict:  # type: ignore[type-arg]
    """Return the published courses of each subcategory or language."""
    prefix = pattern.format("")
    return {
        key(term[len(prefix) :]): found[LEVEL_TITLE]
        for term, found in sets.items()
        if term.startswith(prefix)
    }


def _classes(found: dict[str, list[int]], *, exact: str) -> list[tuple[int, int]]:
    """Return a part's score classes: disjoint sets of courses, best first.

    A course is in the class of the best field it has one of the terms in;
    for a word being completed, the word itself counts a little more than
    its completions.
    """
    ranked = []
    for level in range(LEVELS):
        weight = LEVEL_WEIGHTS[level]
        completed = 0
        for term, sets in found.items():
            if term != exact:
                completed |= sets[level]
        ranked.append((weight, found[exact][level] if exact in found else 0))
        ranked.append((weight - 1, completed))

    classes = []
    seen = 0
    for score, courses in ranked:
        courses &= ~seen
        if courses:
            classes.append((score, courses))
            seen |= courses
    return classes


def _everything(classes: list[list[tuple[int, int]]]) -> int:
    """Return the courses that are in some class of every part."""
    result = -1
    for part in classes:
        union = 0
        for _score, courses in part:
            union |= courses
        result &= union
    return max(result, 0)


def _with_phrase(courses: int, phrase: str) -> int:
    """Keep the courses whose Chinese text has the phrase in one piece."""
    ids = bitmap_ids(courses)
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    kept: list[int] = []
    with connection.cursor() as cursor:
        # Plain SQL: the ORM would spend more time on the ids than the
        # database. Folded Chinese text holds no % or _, so the pattern needs
        # no escaping, and LIKE compares it alike on SQLite and PostgreSQL.
        for start in range(0, len(ids), PHRASE_BATCH):
            batch = ids[start : start + PHRASE_BATCH]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(
                f"SELECT course_id FROM {table} "  # noqa: S608
                f"WHERE course_id IN ({marks}) AND cjk_text LIKE %s",
                [*batch, f"%{phrase}%"],
            )
            kept += [row[0] for row in cursor.fetchall()]
    return bitmap_from_ids(kept)


# Ranking


def _scores(classes: list[list[tuple[int, int]]], courses: int) -> list[int]:
    """Return the courses' scores as bit planes, lowest bit first.

    Plane n is the set of courses whose score has bit n. A part's classes
    are disjoint, so its planes are unions of classes; the parts' planes are
    then added as binary numbers are, on all courses at once: a few dozen
    operations on the sets, whatever their size.
    """
    total: list[int] = []
    for part in classes:
        planes: list[int] = []
        for score, members in part:
            bit = 0
            while score:
                if score & 1:
                    planes += [0] * (bit + 1 - len(planes))
                    planes[bit] |= members & courses
                score >>= 1
                bit += 1
        total = _planes_add(total, planes)
    return total


def _planes_add(first: list[int], second: list[int]) -> list[int]:
    """Add two sets of scores given as bit planes."""
    size = max(len(first), len(second))
    first = first + [0] * (size - len(first))
    second = second + [0] * (size - len(second))
    total = []
    carry = 0
    for a, b in zip(first, second, strict=True):
        either = a ^ b
        total.append(either ^ carry)
        carry = (a & b) | (carry & either)
    if carry:
        total.append(carry)
    return total


def _best(planes: list[int], courses: int, count: int) -> int:
    """Return the count courses with the best scores, of ties the last added."""
    chosen = 0
    for plane in reversed(planes):
        higher = courses & plane
        found = higher.bit_count()
        if found >= count:
            courses = higher
        else:
            chosen |= higher
            count -= found
            courses &= ~plane
    for _step in range(min(count, courses.bit_count())):
        top = 1 << (courses.bit_length() - 1)
        chosen |= top
        courses ^= top
    return chosen


def _ranked(planes: list[int], courses: int, start: int, stop: int) -> list[int]:
    """Return the ids ranked start to stop, by score then last added first."""
    page = _best(planes, courses, stop) & ~_best(planes, courses, start)

    def score(course_id: int) -> int:
        return sum(1 << n for n, plane in enumerate(planes) if plane >> course_id & 1)

    return sorted(bitmap_ids(page), key=lambda pk: (-score(pk), -pk))


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
    its own, so that one can switch between its values: a facet's counts add
    up to the number of results it would show unfiltered.
    """

    families: list[FacetValue] = field(default_factory=list)
    categories: list[FacetValue] = field(default_factory=list)
    languages: list[FacetValue] = field(default_factory=list)

    @property
    def counts_any(self) -> bool:
        """Say whether some value of some facet has results."""
        values = [*self.families, *self.categories, *self.languages]
        return any(value.count for value in values)


@dataclass(frozen=True)
class CourseSearchResults:
    query: SearchQuery
    page: Page
    facets: SearchFacets


class _Hits:
    """The results as the paginator reads them: a count, and a page a slice."""

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
        return self.fetch(start, min(stop, self.total))


def course_search_page(
    *,
    filters: selectors.CourseFilters,
    categories: list[Category],
    page: str | int | None,
    per_page: int | None = None,
) -> CourseSearchResults:
    """Search the published courses for filters.q: one page, and the facets.

    Results are sorted by relevance (the best fields the words are in, then
    the course added last first) unless another sort is asked for. Four
    queries whatever the size of the catalog or of the page: the terms, their
    sets, the page's courses and their instructors; none past the first when
    a word is found nowhere. Reading the subcategories' and languages' sets
    again after the index changed costs one more, and a Chinese string of
    PHRASE_MIN_LENGTH characters or more one per PHRASE_BATCH candidates.
    """
    per_page = per_page or selectors.COURSES_PER_PAGE
    query = search_query_parse(filters.q)
    matches = None if query.is_empty else _matches(query)
    places = _category_ids(filters, categories)

    courses = 0
    facets = SearchFacets()
    if matches is not None:
        courses = matches.courses & _filter_set(matches, places, filters.language)
        facets = _facets(matches, filters=filters, categories=categories)

    def fetch(start: int, stop: int) -> list[SearchHit]:
        if matches is None or stop <= start:
            return []
        found = _page_courses(matches, courses, filters, start, stop)
        return [search_hit(course, query) for course in found]

    total = courses.bit_count()
    paginator = Paginator(_Hits(total, fetch), per_page)  # type: ignore[arg-type]
    return CourseSearchResults(
        query=query, page=paginator.get_page(page), facets=facets
    )


def course_search_ids(q: str, *, published_only: bool = True, limit: int) -> list[int]:
    """Return the ids of the limit courses the search ranks best for q.

    For lists that sort and page courses their own way, such as the staff's.
    """
    query = search_query_parse(q)
    matches = None if query.is_empty else _matches(query, published_only=published_only)
    if matches is None:
        return []
    planes = _scores(matches.classes, matches.courses)
    return _ranked(planes, matches.courses, 0, limit)


def course_search_q(q: str, *, published_only: bool = True) -> Q:
    """Return a filter of courses to those the search finds for q.

    It keeps the Q_MAX_COURSES best ranked, which a list that sorts courses
    its own way, such as the staff's, can then order. Two queries are made
    now; an empty query filters nothing.
    """
    if search_query_parse(q).is_empty:
        return Q()
    ids = course_search_ids(q, published_only=published_only, limit=Q_MAX_COURSES)
    return Q(pk__in=ids)


def _category_ids(
    filters: selectors.CourseFilters, categories: list[Category]
) -> set[int] | None:
    if filters.category:
        return {c.pk for c in categories if c.slug == filters.category}
    if filters.family:
        return {c.pk for c in categories if c.family == filters.family}
    return None


def _filter_set(matches: _Matches, places: set[int] | None, language: str) -> int:
    """Return the published courses in the places and language, if given."""
    courses = matches.languages.get(language, 0) if language else matches.published
    if places is not None:
        in_places = 0
        for pk in places:
            in_places |= matches.categories.get(pk, 0)
        courses &= in_places
    return courses


def _page_courses(
    matches: _Matches,
    courses: int,
    filters: selectors.CourseFilters,
    start: int,
    stop: int,
) -> list[Course]:
    """Return the courses ranked start to stop; two queries.

    By relevance, the ranking gives the page's ids. By another order, the
    courses among the results are read in that order: by their ids when
    there are few, else by walking the ordered list until the page is full,
    a short walk for the first pages since so many courses match.
    """
    listed = (
        selectors.course_list_published(filters=replace(filters, q=""))
        .defer(None)
        .prefetch_related("instructors")
    )
    if filters.sort == selectors.Sort.RELEVANCE:
        ids = _ranked(_scores(matches.classes, courses), courses, start, stop)
        by_id = listed.in_bulk(ids)
        return [by_id[pk] for pk in ids if pk in by_id]
    if courses.bit_count() <= SORTED_BY_ID_MAX:
        return list(listed.filter(pk__in=bitmap_ids(courses))[start:stop])

    wanted = []
    seen = 0
    for pk in listed.values_list("pk", flat=True).iterator(chunk_size=2000):
        if courses >> pk & 1:
            seen += 1
            if seen > start:
                wanted.append(pk)
            if seen >= stop:
                break
    by_id = listed.in_bulk(wanted)
    return [by_id[pk] for pk in wanted if pk in by_id]


def _facets(
    matches: _Matches,
    *,
    filters: selectors.CourseFilters,
    categories: list[Category],
) -> SearchFacets:
    """Count the results of each facet value under the other facets' filters."""
    places = _category_ids(filters, categories)
    by_language = matches.courses & _filter_set(matches, None, filters.language)
    by_place = matches.courses & _filter_set(matches, places, "")
    counts = Counter(
        {
            c.pk: (by_language & matches.categories.get(c.pk, 0)).bit_count()
            for c in categories
        }
    )
    families: Counter[str] = Counter()
    for category in categories:
        families[category.family] += counts[category.pk]

    shown = [
        c
        for c in categories
        if (not filters.family or c.family == filters.family)
        and (counts[c.pk] or c.slug == filters.category)
    ]
    shown.sort(key=lambda c: (c.slug != filters.category, -counts[c.pk]))
    shown = shown[:FACET_CATEGORIES_SHOWN]
    return SearchFacets(
        families=[
            FacetValue(f.value, str(f.label), families[f.value], f == filters.family)
            for f in Family
        ],
        categories=[
            FacetValue(c.slug, c.name, counts[c.pk], c.slug == filters.category)
            for c in shown
        ],
        languages=[
            FacetValue(
                language.value,
                str(LANGUAGE_NAMES[language]),
                (by_place & matches.languages.get(language.value, 0)).bit_count(),
                language == filters.language,
            )
            for language in CourseLanguage
        ],
    )
