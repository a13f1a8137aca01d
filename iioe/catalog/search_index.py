"""The course search index: folded terms and the sets of courses having them.

Text is folded (no case, no accents, compatibility forms unified) and cut
into terms: the words of text written with spaces, and each character and
each string of two or three neighbouring characters of Chinese, Japanese or
Korean text, which is written without spaces. Each term's row holds the ids
of the courses that have it, split by the most telling field they have it
in, as sets that iioe.catalog.search combines with Python's big integers: an
intersection, a count or a ranking costs microseconds whatever the size of
the results, and the database only stores and returns rows by key, the same
way on SQLite and PostgreSQL.

The index is kept by course_search_index_update, which services call after
they change a course, and rebuilt whole by course_search_index_rebuild (the
search_reindex command).
"""

import logging
import random
import re
import struct
import unicodedata
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection, transaction

from iioe.catalog.models import Course, SearchDocument, SearchTerm

logger = logging.getLogger(__name__)

# The fields, from the most telling: a course's term goes in the set of the
# first of them that has it.
LEVEL_TITLE, LEVEL_PEOPLE, LEVEL_SUBJECT, LEVEL_TEXT = range(4)
LEVELS = 4
TERM_MAX_LENGTH = 64
# A query's last word this long or longer also finds the words it begins.
PREFIX_MIN_LENGTH = 2
# Chinese strings up to three characters long are terms; longer ones are
# looked up by the strings of three they overlap with, then checked whole.
PHRASE_MIN_LENGTH = 4
# The index's own rows; folded text never starts with a control character.
CATEGORY_TERM = "\x01c:{}"
LANGUAGE_TERM = "\x01l:{}"
OWN_TERMS = ("\x01", "\x02")
STATE_TERM = "\x02state"
INDEX_BATCH = 500
WRITE_BATCH = 200

# Scripts written without spaces between words.
_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3130-\u318f"
    "\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff"
    "\uf900-\ufaff\U00020000-\U0003134f"
)
TOKEN_RE = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
_MARKS_RE = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
# Letters that Unicode does not decompose but that readers take for others.
_LETTERS = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)


def search_fold(text: str) -> str:
    """Fold text for searching: no case, no accents, compatibility forms unified.

    "Étudier", "ETUDIER" and "étudier" all give "etudier"; a full-width "Ａ"
    gives "a". Folding a string gives what folding each of its characters
    and joining them gives, which highlighting relies on.
    """
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    stripped = _MARKS_RE.sub("", decomposed).translate(_LETTERS)
    return unicodedata.normalize("NFKC", stripped)


fold_char = lru_cache(maxsize=8192)(search_fold)


def search_terms(folded: str, cjk_runs: list[str] | None = None) -> Iterator[str]:
    """Yield the index terms of folded text, with repeats.

    Words are terms; a run of Chinese, Japanese or Korean gives each of its
    characters and each string of two or three neighbours. Runs of four
    characters or more are also added to cjk_runs, when given.
    """
    for match in TOKEN_RE.finditer(folded):
        word = match.group("word")
        if word is not None:
            if len(word) <= TERM_MAX_LENGTH:
                yield word
            continue
        run = match.group("cjk")
        if cjk_runs is not None and len(run) >= PHRASE_MIN_LENGTH:
            cjk_runs.append(run)
        yield from run
        yield from (run[i : i + 2] for i in range(len(run) - 1))
        yield from (run[i : i + 3] for i in range(len(run) - 2))


# Queries: cut like the text they search.


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

    @property
    def parts(self) -> set[str]:
        """The words and strings that a match can show."""
        parts = set(self.words) | set(self.cjk_runs)
        return parts | {self.prefix} if self.prefix else parts


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
        words=tuple(dict.fromkeys(w for w in words if w != prefix)),
        prefix=prefix,
        cjk_runs=tuple(dict.fromkeys(runs)),
    )


# Sets of course ids. In memory a set is an int whose bit n says whether
# course n is in it. Stored, each of a term's four sets is a kind byte and a
# length, then either the bits (for a set with many courses) or the ids as
# 32-bit integers (for one with few), whichever is smaller.

_HEADER = struct.Struct("<BI")
_DENSE, _SPARSE = 1, 2
# Decoding a list of ids costs a Python step per id; past this many, the
# bits are stored even if a little larger.
_SPARSE_MAX = 512


assert array("I").itemsize == 4, "course ids are stored as 32-bit integers"


def sets_encode(sets: Sequence[int]) -> bytes:
    """Encode a term's sets of course ids for the database."""
    parts = []
    for bits in sets:
        count = bits.bit_count()
        dense_size = (bits.bit_length() + 7) // 8
        if count * 4 < dense_size and count <= _SPARSE_MAX:
            payload = array("I", bitmap_ids(bits)).tobytes()
            parts += [_HEADER.pack(_SPARSE, len(payload)), payload]
        else:
            parts += [
                _HEADER.pack(_DENSE, dense_size),
                bits.to_bytes(dense_size, "little"),
            ]
    return b"".join(parts)


def sets_decode(data: bytes | memoryview) -> list[int]:
    """Decode what sets_encode made; empty data gives empty sets."""
    data = bytes(data)
    sets = []
    offset = 0
    while offset < len(data):
        kind, size = _HEADER.unpack_from(data, offset)
        offset += _HEADER.size
        payload = data[offset : offset + size]
        offset += size
        if kind == _DENSE:
            sets.append(int.from_bytes(payload, "little"))
        else:
            ids = array("I")
            ids.frombytes(payload)
            sets.append(bitmap_from_ids(ids))
    return sets + [0] * (LEVELS - len(sets))


def bitmap_from_ids(ids: Iterable[int]) -> int:
    """Return the set of these course ids."""
    ids = list(ids)
    if not ids:
        return 0
    buffer = bytearray(max(ids) // 8 + 1)
    for number in ids:
        buffer[number >> 3] |= 1 << (number & 7)
    return int.from_bytes(buffer, "little")


_BITS_OF_BYTE = [tuple(b for b in range(8) if value >> b & 1) for value in range(256)]


_NONZERO_BYTE = re.compile(b"[^\x00]")


def bitmap_ids(bits: int) -> list[int]:
    """Return the ids in a set, smallest first.

    The bytes holding no id are skipped by a regular expression, so a sparse
    set costs about a Python step per id, not per byte.
    """
    ids = []
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for match in _NONZERO_BYTE.finditer(data):
        base = match.start() * 8
        ids.extend(base + b for b in _BITS_OF_BYTE[data[match.start()]])
    return ids


# The index's own sets change only with the index, so each process keeps the
# last it read, under the index's version.
_own_sets: dict[int, dict[str, list[int]]] = {}


def terms_load_with_own(terms: Iterable[str]) -> dict[str, list[int]]:
    """Return the sets of these terms and the index's own; one query.

    The own sets are the published courses of each subcategory and language.
    They come from this process's memory, or from a second query when the
    index changed since the process last read them.
    """
    rows = SearchTerm.objects.filter(term__in=[*terms, STATE_TERM])
    sets = {}
    version = 0
    for term, count, data in rows.values_list("term", "course_count", "courses"):
        if term == STATE_TERM:
            version = count
        else:
            sets[term] = sets_decode(data)

    own = _own_sets.get(version)
    if own is None:
        own = terms_load_range(*OWN_TERMS)
        _own_sets.clear()
        _own_sets[version] = own
    return {**sets, **own}


def terms_load_range(first: str, after: str) -> dict[str, list[int]]:
    rows = SearchTerm.objects.filter(term__gte=first, term__lt=after)
    return {
        term: sets_decode(data) for term, data in rows.values_list("term", "courses")
    }


# Documents: what the index holds for one course.


@dataclass(frozen=True)
class Document:
    # Each term with the level of the best field that has it.
    terms: dict[str, int]
    cjk_text: str
    category_id: int
    language: str
    is_published: bool

    @property
    def own_terms(self) -> list[str]:
        """The index's own terms this course is in: none unless published."""
        if not self.is_published:
            return []
        return [
            CATEGORY_TERM.format(self.category_id),
            LANGUAGE_TERM.format(self.language),
        ]

    def memberships(self) -> set[tuple[str, int]]:
        """Return each (term, level) set this course belongs in."""
        found = set(self.terms.items())
        return found | {(term, LEVEL_TITLE) for term in self.own_terms}


def course_document(course: Course) -> Document:
    """Return what the index should hold for a course.

    Expects the provider and instructors loaded.
    """
    fields = [
        (course.title, LEVEL_TITLE),
        (course.provider.name, LEVEL_PEOPLE),
        *((i.name, LEVEL_PEOPLE) for i in course.instructors.all()),
        (course.subject, LEVEL_SUBJECT),
        (course.overview, LEVEL_TEXT),
        (course.syllabus, LEVEL_TEXT),
    ]
    levels: dict[str, int] = {}
    runs: list[str] = []
    for text, level in fields:
        for term in search_terms(search_fold(text), runs):
            if levels.get(term, LEVELS) > level:
                levels[term] = level
    return Document(
        terms=levels,
        cjk_text=" ".join(dict.fromkeys(runs)),
        category_id=course.category_id,
        language=course.language,
        is_published=course.is_published,
    )


def _stored_document(row: SearchDocument) -> Document:
    return Document(
        terms={item[1:]: int(item[0]) for item in row.terms.split()},
        cjk_text=row.cjk_text,
        category_id=row.category_id,
        language=row.language,
        is_published=row.is_published,
    )


def _document_row(course_id: int, document: Document) -> SearchDocument:
    return SearchDocument(
        course_id=course_id,
        terms=" ".join(f"{level}{term}" for term, level in document.terms.items()),
        cjk_text=document.cjk_text,
        category_id=document.category_id,
        language=document.language,
        is_published=document.is_published,
    )


def _courses_read(ids: Sequence[int]) -> list[Course]:
    return list(
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


# Updates


def course_search_index_update(*, course_ids: Iterable[int]) -> None:
    """Bring the search index of these courses up to date with them.

    Call it in the same transaction after anything that changes what a
    search reads: a course's title, subject, overview, syllabus,
    subcategory, language or publication, its provider or instructors (a
    renamed provider or instructor included, with their courses' ids), or
    its deletion. Courses whose index is right already cost no write.
    Updates queue up behind a lock, and each costs about eight queries per
    INDEX_BATCH courses, plus one per WRITE_BATCH terms that change.
    """
    ids = sorted(set(course_ids))
    if not ids:
        return
    with transaction.atomic():
        _state_lock()
        for start in range(0, len(ids), INDEX_BATCH):
            _index_batch(ids[start : start + INDEX_BATCH])


def _state_lock() -> None:
    """Take the index's lock and give it a new version number."""
    # Never 0, which stands for an index never written, without own sets.
    version = random.getrandbits(62) | 1  # noqa: S311
    if not SearchTerm.objects.filter(term=STATE_TERM).update(course_count=version):
        SearchTerm.objects.get_or_create(
            term=STATE_TERM, defaults={"course_count": version}
        )


def _index_batch(ids: list[int]) -> None:
    wanted = {c.pk: course_document(c) for c in _courses_read(ids)}
    rows = SearchDocument.objects.filter(course_id__in=ids)
    held = {row.course_id: _stored_document(row) for row in rows}
    changed = [pk for pk in ids if wanted.get(pk) != held.get(pk)]
    if not changed:
        return

    additions: dict[tuple[str, int], list[int]] = defaultdict(list)
    removals: dict[tuple[str, int], list[int]] = defaultdict(list)
    for pk in changed:
        new = wanted[pk].memberships() if pk in wanted else set()
        old = held[pk].memberships() if pk in held else set()
        for key in new - old:
            additions[key].append(pk)
        for key in old - new:
            removals[key].append(pk)
    _sets_apply(additions, removals)

    SearchDocument.objects.filter(course_id__in=changed).delete()
    SearchDocument.objects.bulk_create(
        [_document_row(pk, wanted[pk]) for pk in changed if pk in wanted],
        batch_size=WRITE_BATCH,
    )
    logger.info("Search index updated for %s courses", len(changed))


def _sets_apply(
    additions: dict[tuple[str, int], list[int]],
    removals: dict[tuple[str, int], list[int]],
) -> None:
    """Add and remove course ids in terms' sets, writing only the terms changed.

    Terms left with no course are deleted.
    """
    terms = sorted({term for term, _ in [*additions, *removals]})
    existing = {
        row.term: row
        for start in range(0, len(terms), WRITE_BATCH)
        for row in SearchTerm.objects.filter(
            term__in=terms[start : start + WRITE_BATCH]
        )
    }
    new_rows, changed_rows, empty = [], [], []
    for term in terms:
        row = existing.get(term) or SearchTerm(term=term)
        sets = sets_decode(row.courses)
        for level in range(LEVELS):
            sets[level] |= bitmap_from_ids(additions.get((term, level), ()))
            sets[level] &= ~bitmap_from_ids(removals.get((term, level), ()))
        row.course_count = sum(bits.bit_count() for bits in sets)
        row.courses = sets_encode(sets)
        if not row.course_count:
            empty.append(term)
        elif row.pk:
            changed_rows.append(row)
        else:
            new_rows.append(row)

    SearchTerm.objects.filter(term__in=empty).delete()
    SearchTerm.objects.bulk_create(new_rows, batch_size=WRITE_BATCH)
    SearchTerm.objects.bulk_update(
        changed_rows, ["course_count", "courses"], batch_size=WRITE_BATCH
    )


def course_search_index_rebuild(
    *, batch_size: int = 2000, progress: Callable[[int, int], None] | None = None
) -> int:
    """Index every course afresh; return the number of terms.

    For a first load, or after courses changed without the index being told.
    It runs in one transaction, so searches see the old index until the new
    one is whole; progress, if given, is called with the courses done and
    their total after each batch.
    """
    with transaction.atomic():
        _state_lock()
        SearchDocument.objects.all().delete()
        SearchTerm.objects.exclude(term=STATE_TERM).delete()

        ids = list(Course.objects.order_by("pk").values_list("pk", flat=True))
        members: dict[str, list[list[int]]] = defaultdict(lambda: [[], [], [], []])
        for start in range(0, len(ids), batch_size):
            documents = {
                c.pk: course_document(c)
                for c in _courses_read(ids[start : start + batch_size])
            }
            for pk, document in sorted(documents.items()):
                for term, level in document.memberships():
                    members[term][level].append(pk)
            SearchDocument.objects.bulk_create(
                [_document_row(pk, d) for pk, d in documents.items()],
                batch_size=WRITE_BATCH,
            )
            if progress is not None:
                progress(min(start + batch_size, len(ids)), len(ids))

        rows = (
            SearchTerm(
                term=term,
                course_count=sum(len(level) for level in sets),
                courses=sets_encode([bitmap_from_ids(level) for level in sets]),
            )
            for term, sets in members.items()
        )
        SearchTerm.objects.bulk_create(rows, batch_size=WRITE_BATCH)

    with connection.cursor() as cursor:
        for model in (SearchTerm, SearchDocument):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    logger.info("Search index rebuilt: %s courses, %s terms", len(ids), len(members))
    return len(members)
