"""catalog_export and catalog_import: round trips, checks, upserts, dry runs."""

import csv
import datetime
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from iioe.accounts.tests.factories import UserFactory
from iioe.catalog import catalog_io
from iioe.catalog.models import (
    Category,
    Course,
    CourseEvent,
    Family,
    Instructor,
    Review,
)
from iioe.catalog.search import course_search_index_update, course_search_q
from iioe.catalog.tests.factories import CategoryFactory, CourseFactory
from iioe.institutions.models import Institution

pytestmark = pytest.mark.django_db

HEADER = (
    "external_id,slug,title,family,category,language,provider,instructors,"
    "published_on,source_url,source_rating_average,is_published"
)


@pytest.fixture
def categories() -> list[Category]:
    return [
        CategoryFactory(slug="data-science", family=Family.DISCIPLINE),
        CategoryFactory(
            slug="pedagogy",
            family=Family.TEACHER,
            name_en="Pedagogy",
            name_zh_hans="教学法",
            name_fr="Pédagogie",
        ),
    ]


@pytest.fixture
def catalog(categories: list[Category]) -> list[Course]:
    """Courses with every kind of field: long texts, Chinese, ratings, people."""
    data_science, pedagogy = categories
    first = CourseFactory(
        external_id="edx:comment-creer",
        slug="comment-creer-un-cours-en-ligne",
        title="Comment Créer un Cours en Ligne",
        category=pedagogy,
        language="fr",
        provider__name="UNESCO-ICHEI",
        subject="Éducation",
        level="Introductory",
        effort_hours_min=2,
        effort_hours_max=3,
        length_weeks=6,
        duration_seconds=3541,
        enrolment_count=124980,
        source_rating_average=Decimal("4.50"),
        source_rating_count=75,
        source_name="edX",
        source_url="https://www.edx.org/course/comment-creer",
        published_on=datetime.date(2020, 2, 4),
        overview='Premier paragraphe, avec "guillemets", virgules.\n\nSecond.',
        syllabus="Semaine 1 ; Semaine 2",
    )
    first.instructors.add(
        Instructor.objects.create(name="Anne-Laure Bartier"),
        Instructor.objects.create(name="Guest speaker:  Dr. Ed Nicol"),
    )
    CourseFactory(
        external_id="iioe:abc-cloud",
        slug="abc-era-cloud-computing",
        title="ABC时代的云计算",
        category=data_science,
        language="zh",
        provider__name="CIO Times",
        published_on=datetime.date(2021, 3, 10),
        is_published=False,
    )
    courses = list(Course.objects.order_by("external_id"))
    course_search_index_update(course_ids=[c.pk for c in courses])
    return courses


def export(tmp_path: Path, file_format: str, name: str = "catalog") -> Path:
    output = tmp_path / f"{name}.{file_format}"
    call_command("catalog_export", "--output", str(output), stdout=io.StringIO())
    return output


def run_import(path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("catalog_import", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str, name: str = "import.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def csv_line(values: dict[str, str]) -> str:
    line = io.StringIO()
    writer = csv.DictWriter(line, fieldnames=catalog_io.COLUMNS, lineterminator="\n")
    writer.writerow(values)
    return line.getvalue()


def course_state() -> list[tuple[object, ...]]:
    """Every imported field of every course, with its instructors."""
    fields = [f for f in catalog_io.COURSE_FIELDS if f != "provider_id"]
    return [
        (
            *[getattr(course, name) for name in fields],
            course.provider.name,
            sorted(i.name for i in course.instructors.all()),
        )
        for course in Course.objects.select_related("provider")
        .prefetch_related("instructors")
        .order_by("external_id")
    ]


# Round trips


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_an_export_imported_into_an_empty_catalog_exports_the_same(
    tmp_path: Path, catalog: list[Course], file_format: str
) -> None:
    first = export(tmp_path, file_format, "first")
    before = course_state()
    Course.objects.all().delete()
    Instructor.objects.all().delete()
    Institution.objects.all().delete()

    out, _err = run_import(first)
    second = export(tmp_path, file_format, "second")

    assert "2 created, 0 updated, 0 unchanged" in out
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    assert course_state() == before


def test_the_csv_export_has_one_row_a_course_in_the_documented_columns(
    tmp_path: Path, catalog: list[Course]
) -> None:
    with export(tmp_path, "csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    assert list(rows[0]) == list(catalog_io.COLUMNS)
    assert [row["external_id"] for row in rows] == [
        "edx:comment-creer",
        "iioe:abc-cloud",
    ]
    assert rows[0]["instructors"] == "Anne-Laure Bartier; Guest speaker:  Dr. Ed Nicol"
    assert rows[0]["source_rating_average"] == "4.5"
    assert rows[1]["is_published"] == "false"


def test_the_json_export_is_a_list_with_typed_values(
    tmp_path: Path, catalog: list[Course]
) -> None:
    records = json.loads(export(tmp_path, "json").read_text(encoding="utf-8"))

    assert records[0]["instructors"] == [
        "Anne-Laure Bartier",
        "Guest speaker:  Dr. Ed Nicol",
    ]
    assert records[0]["effort_hours_min"] == 2
    assert records[1]["title"] == "ABC时代的云计算"
    assert records[1]["is_published"] is False


def test_the_export_goes_to_standard_output_without_a_file(
    catalog: list[Course],
) -> None:
    out, err = io.StringIO(), io.StringIO()

    call_command("catalog_export", "--format", "json", stdout=out, stderr=err)

    assert len(json.loads(out.getvalue())) == 2
    assert "2" in err.getvalue()


# Upserts


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_importing_the_same_file_again_changes_nothing(
    tmp_path: Path, catalog: list[Course], file_format: str
) -> None:
    path = export(tmp_path, file_format)
    before = course_state()
    events = CourseEvent.objects.count()

    first, _err = run_import(path)
    second, _err = run_import(path)

    assert "0 created, 0 updated, 2 unchanged" in first
    assert "0 created, 0 updated, 2 unchanged" in second
    assert course_state() == before
    assert CourseEvent.objects.count() == events


def test_a_changed_row_updates_its_course_and_records_it(
    tmp_path: Path, catalog: list[Course]
) -> None:
    path = export(tmp_path, "csv")
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("Comment Créer un Cours en Ligne", "Créer un MOOC"),
        encoding="utf-8",
    )

    out, _err = run_import(path)

    course = Course.objects.get(external_id="edx:comment-creer")
    assert "0 created, 1 updated, 1 unchanged" in out
    assert course.title == "Créer un MOOC"
    assert course.slug == "comment-creer-un-cours-en-ligne"
    assert CourseEvent.objects.get(course=course).action == "imported"
    assert Course.objects.filter(course_search_q("mooc")).get() == course


def test_publishing_through_an_import_is_recorded_and_reaches_search(
    tmp_path: Path, catalog: list[Course]
) -> None:
    path = export(tmp_path, "csv")
    path.write_text(
        path.read_text(encoding="utf-8").replace(",false,", ",true,"),
        encoding="utf-8",
    )

    run_import(path)

    course = Course.objects.get(external_id="iioe:abc-cloud")
    actions = set(CourseEvent.objects.filter(course=course).values_list("action"))
    assert course.is_published
    assert course.publication_changed_at is not None
    assert course.publication_changed_by is None
    assert ("published",) in actions
    assert Course.objects.filter(course_search_q("云计算")).get() == course


def test_changing_instructors_counts_as_an_update(
    tmp_path: Path, catalog: list[Course]
) -> None:
    path = export(tmp_path, "json")
    records = json.loads(path.read_text(encoding="utf-8"))
    records[0]["instructors"] = ["Anne-Laure Bartier", "Mei Ling"]
    path.write_text(json.dumps(records), encoding="utf-8")

    out, _err = run_import(path)

    course = Course.objects.get(external_id="edx:comment-creer")
    assert "0 created, 1 updated, 1 unchanged" in out
    assert sorted(course.instructors.values_list("name", flat=True)) == [
        "Anne-Laure Bartier",
        "Mei Ling",
    ]


def test_new_rows_get_slugs_providers_and_instructors(
    tmp_path: Path, categories: list[Category]
) -> None:
    CourseFactory(slug="abc-shi-dai-de-yun-ji-suan", category=categories[0])
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "x:1,,ABC时代的云计算,,data-science,zh,CIO Times,Wang Wei; Li Na,"
        "2021-03-10,,4.2,\n"
        "x:2,,ABC时代的云计算,,data-science,zh,CIO Times,Li Na,2021-03-10,,,\n",
    )

    out, _err = run_import(path)

    created = Course.objects.filter(external_id__startswith="x:").order_by(
        "external_id"
    )
    assert "2 created" in out
    assert [c.slug for c in created] == [
        "abc-shi-dai-de-yun-ji-suan-2",
        "abc-shi-dai-de-yun-ji-suan-3",
    ]
    assert created[0].provider.name == "CIO Times"
    assert created[0].is_published
    assert created[0].rating_average == Decimal("4.20")
    assert Instructor.objects.filter(name__in=["Wang Wei", "Li Na"]).count() == 2
    assert CourseEvent.objects.filter(action="imported").count() == 2


def test_a_file_of_several_batches_is_imported_whole(
    tmp_path: Path, categories: list[Category]
) -> None:
    rows = "".join(
        f"b:{n},,Course {n},,data-science,en,Provider {n % 7},,2021-01-01,,,\n"
        for n in range(catalog_io.BATCH_SIZE * 2 + 3)
    )
    path = write(tmp_path, HEADER + "\n" + rows)

    first, _err = run_import(path)
    second, _err = run_import(path)

    assert Course.objects.count() == catalog_io.BATCH_SIZE * 2 + 3
    assert f"{catalog_io.BATCH_SIZE * 2 + 3} created" in first
    assert "0 created, 0 updated" in second
    assert Institution.objects.count() == 7


# Checking every row


def test_every_invalid_row_is_reported_with_its_number_and_nothing_imported(
    tmp_path: Path, categories: list[Category]
) -> None:
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "ok:1,,Good course,,data-science,en,P,,2021-01-01,,,\n"
        "bad:2,,,,data-science,de,P,,2021-02-30,ftp://x,,\n"
        "bad:3,,Wrong family,teacher,data-science,en,P,,2021-01-01,,6,maybe\n"
        "ok:1,,Same id again,,pedagogy,en,P,,2021-01-01,,,\n"
        "bad:5,,Unknown,,no-such,en,,,01/02/2021,,4.555,\n"
        "ok:6,,Good too,,pedagogy,fr,P,,2021-01-01,,,\n",
    )

    with pytest.raises(CommandError, match="4 rows of 6 are invalid"):
        run_import(path)

    assert not Course.objects.exists()


def test_the_report_names_row_column_and_reason(
    tmp_path: Path, categories: list[Category], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "ok:1,,Good course,,data-science,en,P,,2021-01-01,,,\n"
        "bad:2,,,,data-science,de,P,,2021-02-30,ftp://x,,\n"
        "bad:3,,Wrong family,teacher,data-science,en,P,,2021-01-01,,6,maybe\n"
        "ok:1,,Same id again,,pedagogy,en,P,,2021-01-01,,,\n",
    )
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("catalog_import", str(path), stderr=err, stdout=io.StringIO())

    lines = err.getvalue().splitlines()
    assert "Row 3, title: this column is required" in lines
    assert "Row 3, language: it must be en, zh or fr" in lines
    assert "Row 3, source_url: it must be a web address starting with https://" in (
        lines
    )
    assert "Row 3, published_on: it must be a date written YYYY-MM-DD" in lines
    assert (
        "Row 4, family: the subcategory data-science belongs to the family "
        "discipline" in lines
    )
    assert (
        "Row 4, source_rating_average: it must be a number from 0 to 5 with "
        "at most two decimals" in lines
    )
    assert "Row 4, is_published: it must be true or false" in lines
    assert "Row 5, external_id: the same external id is on row 2" in lines


def test_skip_invalid_imports_the_valid_rows(
    tmp_path: Path, categories: list[Category]
) -> None:
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "ok:1,,Good course,,data-science,en,P,,2021-01-01,,,\n"
        "bad:2,,Bad language,,data-science,xx,P,,2021-01-01,,,\n"
        "ok:3,,Good too,,pedagogy,fr,P,,2021-01-01,,,\n",
    )

    out, err = run_import(path, "--skip-invalid")

    assert "Row 3, language" in err
    assert "3 rows: 2 created, 0 updated, 0 unchanged, 1 invalid" in out
    assert sorted(Course.objects.values_list("external_id", flat=True)) == [
        "ok:1",
        "ok:3",
    ]


def test_numbers_are_checked_for_type_and_range(
    tmp_path: Path, categories: list[Category]
) -> None:
    path = write(
        tmp_path,
        "external_id,title,category,language,provider,published_on,"
        "effort_hours_min,effort_hours_max,length_weeks,enrolment_count\n"
        "n:1,T,data-science,en,P,2021-01-01,5,2,-1,lots\n"
        "n:2,T,data-science,en,P,2021-01-01,,,40000,\n",
    )
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("catalog_import", str(path), stderr=err, stdout=io.StringIO())

    report = err.getvalue()
    assert "Row 2, effort_hours_max: it is less than effort_hours_min" in report
    assert "Row 2, length_weeks: it must be a whole number from 0 to 32767" in report
    assert "Row 2, enrolment_count: it must be a whole number" in report
    assert "Row 3, length_weeks" in report


def test_a_slug_held_by_another_course_is_refused(
    tmp_path: Path, catalog: list[Course]
) -> None:
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "new:1,abc-era-cloud-computing,Another,,data-science,en,P,,2021-01-01,,,\n",
    )
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("catalog_import", str(path), stderr=err, stdout=io.StringIO())

    assert "Row 2, slug: another course (iioe:abc-cloud) has this slug" in (
        err.getvalue()
    )
    assert not Course.objects.filter(external_id="new:1").exists()


def test_an_overlong_title_is_refused(
    tmp_path: Path, categories: list[Category]
) -> None:
    title = "x" * 301
    path = write(
        tmp_path,
        f"{HEADER}\nl:1,,{title},,data-science,en,P,,2021-01-01,,,\n",
    )
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("catalog_import", str(path), stderr=err, stdout=io.StringIO())

    assert "Row 2, title: it has 301 characters, more than 300" in err.getvalue()


def test_a_header_without_required_columns_is_refused_at_once(
    tmp_path: Path, categories: list[Category]
) -> None:
    path = write(tmp_path, "external_id,title\nx:1,T\n")

    with pytest.raises(CommandError, match="category, language, provider"):
        run_import(path)


def test_unknown_columns_are_reported_and_ignored(
    tmp_path: Path, categories: list[Category]
) -> None:
    path = write(
        tmp_path,
        "external_id,title,category,language,provider,published_on,colour\n"
        "u:1,T,data-science,en,P,2021-01-01,blue\n",
    )

    out, err = run_import(path)

    assert "Ignored columns: colour" in err
    assert "1 created" in out


def test_a_row_with_more_cells_than_the_header_is_refused(
    tmp_path: Path, categories: list[Category]
) -> None:
    path = write(
        tmp_path,
        "external_id,title,category,language,provider,published_on\n"
        "u:1,T,data-science,en,P,2021-01-01,extra\n",
    )
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("catalog_import", str(path), stderr=err, stdout=io.StringIO())

    assert "Row 2: the row does not match the header" in err.getvalue()


def test_a_spreadsheet_csv_with_a_bom_and_crlf_is_read(
    tmp_path: Path, categories: list[Category]
) -> None:
    text = (
        "external_id,title,category,language,provider,published_on,overview\r\n"
        'w:1,Étudier,data-science,fr,P,2021-01-01,"Ligne 1\r\nLigne 2"\r\n'
    )
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))

    run_import(path)

    course = Course.objects.get()
    assert course.title == "Étudier"
    assert course.overview == "Ligne 1\nLigne 2"


def test_a_file_that_is_not_utf8_is_refused(
    tmp_path: Path, categories: list[Category]
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        "external_id,title,category,language,provider,published_on\n"
        "l:1,Étudier,data-science,fr,P,2021-01-01\n".encode("latin-1")
    )

    with pytest.raises(CommandError, match="not UTF-8"):
        run_import(path)

    assert not Course.objects.exists()


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "whatever", name="catalog.xlsx")

    with pytest.raises(CommandError, match="--format"):
        run_import(path)


def test_a_missing_file_is_refused_plainly(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        run_import(tmp_path / "nowhere.csv")


# JSON


def test_json_rows_are_numbered_from_one_and_may_use_strings_for_numbers(
    tmp_path: Path, categories: list[Category]
) -> None:
    records = [
        {
            "external_id": "j:1",
            "title": "T",
            "category": "data-science",
            "language": "en",
            "provider": "P",
            "published_on": "2021-01-01",
            "length_weeks": "4",
            "is_published": "yes",
        },
        {"external_id": "j:2", "title": ["not", "text"], "language": "en"},
        "not an object",
    ]
    path = write(tmp_path, json.dumps(records), name="catalog.json")
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 rows of 3"):
        call_command("catalog_import", str(path), stderr=err, stdout=io.StringIO())

    report = err.getvalue()
    assert "Row 2, title: it must be text" in report
    assert "Row 2, category: this column is required" in report
    assert "Row 3: the row does not match the header" in report


def test_broken_json_names_the_row_it_broke_in(
    tmp_path: Path, categories: list[Category]
) -> None:
    path = write(
        tmp_path,
        '[{"external_id": "j:1"},\n {"external_id": "j:2",, }]',
        name="broken.json",
    )

    with pytest.raises(CommandError, match="Row 2: the JSON cannot be read"):
        run_import(path)


def test_json_that_is_not_a_list_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '{"external_id": "j:1"}', name="object.json")

    with pytest.raises(CommandError, match="must be a list"):
        run_import(path)


class SmallReads(io.StringIO):
    """A text stream that records the largest read asked of it."""

    largest = 0

    def read(self, size: int | None = -1) -> str:
        if size is None or size < 0:
            raise AssertionError("the whole file was read at once")
        self.largest = max(self.largest, size)
        return super().read(size)


def test_json_is_read_in_small_pieces_across_item_boundaries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(catalog_io.reading, "JSON_CHUNK", 7)
    items = [{"n": n, "text": "云" * n, "x": 12345.5} for n in range(40)]
    stream = SmallReads(" [\n" + ",\n ".join(json.dumps(i) for i in items) + "]\n")

    read = list(
        catalog_io.catalog_rows_read(
            stream, file_format="json", report=catalog_io.ImportReport()
        )
    )

    assert [item for _number, item in read] == items
    assert [number for number, _item in read] == list(range(1, 41))
    assert stream.largest == 7


# Dry runs and progress


def test_a_dry_run_reports_what_would_change_and_writes_nothing(
    tmp_path: Path, catalog: list[Course]
) -> None:
    path = export(tmp_path, "csv")
    text = path.read_text(encoding="utf-8").replace("Comment Créer", "Comment Faire")
    new = {
        "external_id": "d:1",
        "title": "New",
        "category": "data-science",
        "language": "en",
        "provider": "New Provider",
        "published_on": "2021-01-01",
    }
    path.write_text(text + csv_line(new), encoding="utf-8")
    before = course_state()

    out, _err = run_import(path, "--dry-run")

    assert "Dry run, nothing written" in out
    assert "1 would be created, 1 updated, 1 unchanged" in out
    assert course_state() == before
    assert not Institution.objects.filter(name="New Provider").exists()
    assert not CourseEvent.objects.exists()


def test_a_dry_run_of_a_file_with_errors_fails(
    tmp_path: Path, categories: list[Category]
) -> None:
    path = write(tmp_path, f"{HEADER}\nx:1,,T,,nope,en,P,,2021-01-01,,,\n")

    with pytest.raises(CommandError, match="invalid rows"):
        run_import(path, "--dry-run")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_is_drawn_on_a_terminal_only(
    tmp_path: Path, categories: list[Category]
) -> None:
    rows = "".join(
        f"p:{n},,Course {n},,data-science,en,P,,2021-01-01,,,\n" for n in range(50)
    )
    path = write(tmp_path, HEADER + "\n" + rows)
    terminal, pipe = Terminal(), io.StringIO()

    call_command("catalog_import", str(path), stdout=io.StringIO(), stderr=terminal)
    call_command("catalog_import", str(path), stdout=io.StringIO(), stderr=pipe)

    assert "100%" in terminal.getvalue()
    assert "[" in terminal.getvalue()
    assert "%" not in pipe.getvalue()


def test_a_new_source_rating_is_combined_with_the_reviews_written_here(
    tmp_path: Path, catalog: list[Course]
) -> None:
    course = Course.objects.get(external_id="edx:comment-creer")
    Review.objects.create(course=course, user=UserFactory(), rating=1)
    path = export(tmp_path, "json")
    records = json.loads(path.read_text(encoding="utf-8"))
    records[0].update(source_rating_average=5, source_rating_count=3)
    path.write_text(json.dumps(records), encoding="utf-8")

    run_import(path)

    course.refresh_from_db()
    assert (course.rating_average, course.rating_count) == (Decimal("4.00"), 4)
