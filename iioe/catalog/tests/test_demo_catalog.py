import csv
import datetime
import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict

from iioe.accounts.tests.factories import UserFactory
from iioe.catalog.category_rules import course_place, rules_read
from iioe.catalog.demo_catalog import (
    DEMO_CATALOG_DIR,
    DemoDataError,
    demo_catalog_load,
)
from iioe.catalog.management.commands import load_demo
from iioe.catalog.models import (
    Category,
    Course,
    Family,
    Lesson,
    StudyPlanEntry,
    WatchProgress,
)
from iioe.institutions.models import Institution

pytestmark = pytest.mark.django_db


def csv_rows(name: str) -> list[dict[str, str]]:
    with (DEMO_CATALOG_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def snapshot() -> dict[str, list[dict]]:
    return {
        "courses": [model_to_dict(c) for c in Course.objects.order_by("pk")],
        "categories": [model_to_dict(c) for c in Category.objects.order_by("pk")],
        "institutions": [model_to_dict(i) for i in Institution.objects.order_by("pk")],
    }


def test_the_demo_catalog_holds_at_least_300_published_courses() -> None:
    summary = demo_catalog_load()

    assert summary.courses.total == summary.courses.created >= 300
    assert Course.objects.filter(is_published=True).count() >= 300
    assert Category.objects.count() == 21


def test_every_french_and_chinese_course_of_the_files_is_loaded() -> None:
    demo_catalog_load()

    for language in ("fr", "zh"):
        ids = {
            r["external_id"]
            for r in csv_rows("courses.csv")
            if r["language"] == language
        }
        loaded = set(
            Course.objects.filter(language=language).values_list(
                "external_id", flat=True
            )
        )
        assert ids and loaded == ids
    # A few of them, as the edX and Coursera catalogs list them.
    titles = set(Course.objects.values_list("title", flat=True))
    assert {
        "Les principes de la finance",
        "Introduction to Psychology | 心理学概论",
        "Réussir le Changement",
    } <= titles


def test_the_seed_course_in_french_has_the_facts_of_the_user_guide() -> None:
    demo_catalog_load()

    course = Course.objects.select_related("category", "provider").get(
        title="Comment Créer un Cours en Ligne"
    )
    assert course.category.slug == "application-of-digital-skills"
    assert course.category.family == Family.TEACHER
    assert course.published_on == datetime.date(2020, 2, 4)
    assert course.language == "fr"
    assert (course.rating_average, course.rating_count) == (Decimal(4), 75)
    assert course.view_count == 64
    assert course.duration_seconds == 59 * 60 + 1
    assert course.provider.name == "UNESCO-ICHEI"
    assert course.provider.country.code == "CN"


def test_the_other_two_seed_courses_have_their_providers_and_languages() -> None:
    demo_catalog_load()

    cloud = Course.objects.get(title="ABC时代的云计算")
    science = Course.objects.get(
        title="Introduction to Data Science & Machine Learning"
    )
    assert (cloud.provider.name, cloud.language) == ("CIO Times", "zh")
    assert cloud.category.slug == "cloud-computing"
    assert (science.provider.name, science.language) == ("UNESCO-ICHEI", "en")
    assert science.category.slug == "data-science"


def test_every_course_sits_in_the_subcategory_the_mapping_gives() -> None:
    demo_catalog_load()
    rules = rules_read(DEMO_CATALOG_DIR / "category_map.csv")
    families = {r["slug"]: r["family"] for r in csv_rows("categories.csv")}

    placed = dict(Course.objects.values_list("external_id", "category__slug"))
    for row in csv_rows("courses.csv"):
        placement = course_place(row, rules)
        assert placed[row["external_id"]] == placement.category
        assert families[placement.category] == placement.family
    # Every family has courses, and so do most of its subcategories.
    counts = {
        family: Course.objects.filter(category__family=family).count()
        for family in Family.values
    }
    assert all(count >= 20 for count in counts.values()), counts


def test_loading_twice_changes_nothing_and_keeps_what_learners_did() -> None:
    demo_catalog_load()
    learner = UserFactory()
    course = Course.objects.get(title="ABC时代的云计算")
    StudyPlanEntry.objects.create(user=learner, course=course)
    lesson = Lesson.objects.create(course=course, position=1, title="One")
    WatchProgress.objects.create(user=learner, lesson=lesson, position_seconds=12)
    Course.objects.filter(pk=course.pk).update(view_count=1234)
    before = snapshot()

    summary = demo_catalog_load()

    assert summary.courses.created == summary.courses.updated == 0
    assert summary.institutions.created == summary.institutions.updated == 0
    assert summary.categories.created == summary.categories.updated == 0
    assert snapshot() == before
    assert StudyPlanEntry.objects.filter(user=learner, course=course).exists()
    assert WatchProgress.objects.get(user=learner).position_seconds == 12
    assert Course.objects.get(pk=course.pk).view_count == 1234


def test_loading_again_puts_back_edited_demo_facts(tmp_path: Path) -> None:
    demo_catalog_load()
    Course.objects.filter(title="ABC时代的云计算").update(
        title="Renamed", language="en"
    )

    summary = demo_catalog_load()

    assert summary.courses.updated == 1
    assert Course.objects.filter(title="ABC时代的云计算", language="zh").exists()


def test_a_malformed_file_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    directory = tmp_path / "catalog"
    shutil.copytree(DEMO_CATALOG_DIR, directory)
    courses = (directory / "courses.csv").read_text(encoding="utf-8")
    (directory / "courses.csv").write_text(
        courses.replace(
            ",ABC时代的云计算,CIO Times,zh,", ",ABC时代的云计算,CIO Times,de,"
        ),
        encoding="utf-8",
    )

    with pytest.raises(DemoDataError, match=r"courses.csv:3: unknown language"):
        demo_catalog_load(directory=directory)
    assert not Course.objects.exists()
    assert not Category.objects.exists()


def test_a_mapping_to_a_category_of_another_family_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "catalog"
    shutil.copytree(DEMO_CATALOG_DIR, directory)
    with (directory / "category_map.csv").open("a", encoding="utf-8") as handle:
        handle.write("teacher,title,robot,robotics\n")

    with pytest.raises(DemoDataError, match="'robotics' is not a teacher category"):
        demo_catalog_load(directory=directory)


def test_the_command_prints_a_summary_then_loads_the_lessons(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    monkeypatch.setattr(
        load_demo, "load_demo_lessons", lambda *, stdout: calls.append(stdout)
    )
    out = StringIO()

    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Demo catalog: ") and "new" in lines[0]
    assert "courses (0 new, 0 updated)" in lines[1]
    assert len(calls) == 2


def test_the_command_reports_a_missing_folder_as_an_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="could not be loaded"):
        call_command("load_demo", catalog_dir=tmp_path / "nowhere")


def test_the_demo_files_carry_no_descriptions_or_syllabi() -> None:
    header = set(csv_rows("courses.csv")[0])

    assert not header & {"summary", "description", "course_description", "syllabus"}
    assert {"title", "provider", "subject", "level", "language", "source_url"} <= header
