"""Folding, query parsing, stored sets and ranking: no database needed."""

import random

import pytest

from iioe.catalog import search
from iioe.catalog.search_highlight import search_highlight
from iioe.catalog.search_index import (
    SearchQuery,
    bitmap_from_ids,
    bitmap_ids,
    search_fold,
    search_query_parse,
    search_terms,
    sets_decode,
    sets_encode,
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Étudiant", "etudiant"),
        ("ÉTUDIANT", "etudiant"),
        ("Straße", "strasse"),
        ("Œuvre", "oeuvre"),
        ("Ｐｙｔｈｏｎ", "python"),
        ("Crème BRÛLÉE", "creme brulee"),
        ("ABC时代的云计算", "abc时代的云计算"),
        ("İstanbul", "istanbul"),
    ],
)
def test_folding_drops_case_accents_and_compatibility_forms(
    text: str, folded: str
) -> None:
    assert search_fold(text) == folded


def test_folding_a_string_is_folding_each_character() -> None:
    text = "Ｃréer L’ÉCOLE de Straße 云计算 Œuvre"

    assert search_fold(text) == "".join(search_fold(char) for char in text)


def test_chinese_text_gives_its_strings_of_one_two_and_three_characters() -> None:
    runs: list[str] = []

    terms = list(search_terms(search_fold("ABC时代的云计算 教学法"), runs))

    assert terms[0] == "abc"
    assert set(terms[1:]) == {
        *"时代的云计算教学法",
        *["时代", "代的", "的云", "云计", "计算", "教学", "学法"],
        *["时代的", "代的云", "的云计", "云计算", "教学法"],
    }
    # Only runs longer than three characters need checking whole.
    assert runs == ["时代的云计算"]


def test_a_query_keeps_its_last_word_open_for_completion() -> None:
    assert search_query_parse("Machine LEARN") == SearchQuery(
        words=("machine",), prefix="learn"
    )
    assert search_query_parse("data c") == SearchQuery(words=("data", "c"))
    assert search_query_parse("python 编程") == SearchQuery(
        words=("python",), cjk_runs=("编程",)
    )
    assert search_query_parse("%_'\"").is_empty


@pytest.mark.parametrize("ids", [[], [0], [3, 700], list(range(0, 5000, 3)), [2**20]])
def test_sets_of_course_ids_survive_storage_small_or_large(ids: list[int]) -> None:
    sets = [bitmap_from_ids(ids), 0, bitmap_from_ids(ids[:1]), bitmap_from_ids([9])]

    stored = sets_decode(sets_encode(sets))

    assert stored == sets
    assert bitmap_ids(stored[0]) == sorted(ids)


def test_ranking_by_bit_planes_agrees_with_sorting_the_scores() -> None:
    rng = random.Random(7)
    courses = bitmap_from_ids(range(1, 400))
    classes = []
    for _part in range(3):
        shuffled = rng.sample(range(1, 400), 399)
        classes.append(
            [
                (54, bitmap_from_ids(shuffled[:40])),
                (17, bitmap_from_ids(shuffled[40:150])),
                (2, bitmap_from_ids(shuffled[150:])),
            ]
        )

    planes = search._scores(classes, courses)

    def score(pk: int) -> int:
        return sum(s for part in classes for s, members in part if members >> pk & 1)

    expected = sorted(range(1, 400), key=lambda pk: (-score(pk), -pk))
    assert search._ranked(planes, courses, 0, 12) == expected[:12]
    assert search._ranked(planes, courses, 12, 24) == expected[12:24]
    assert search._ranked(planes, courses, 390, 500) == expected[390:]


def test_highlighting_escapes_the_text_before_marking_it() -> None:
    html = search_highlight("C++ <Templates> & Tricks", search_query_parse("templates"))

    assert html == "C++ &lt;<mark>Templates</mark>&gt; &amp; Tricks"


def test_highlighting_marks_accented_words_whole_and_chinese_substrings() -> None:
    query = search_query_parse("etudiant 云计算")

    html = search_highlight("Guide de l’Étudiant · ABC时代的云计算", query)

    assert html == ("Guide de l’<mark>Étudiant</mark> · ABC时代的<mark>云计算</mark>")


def test_highlighting_keeps_a_decomposed_accent_inside_the_mark() -> None:
    html = search_highlight("Cre\u0301er un cours", search_query_parse("creer cours"))

    assert html == "<mark>Cre\u0301er</mark> un <mark>cours</mark>"


def test_highlighting_a_completed_word_marks_the_whole_word() -> None:
    html = search_highlight("Machine Learning", search_query_parse("machine lea"))

    assert html == "<mark>Machine</mark> <mark>Learning</mark>"
