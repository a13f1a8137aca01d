"""The script that builds the demo catalog from the public catalogs."""

import importlib.util
from types import ModuleType

from django.conf import settings


def build_script() -> ModuleType:
    path = settings.BASE_DIR / "demo" / "build_catalog.py"
    spec = importlib.util.spec_from_file_location("build_catalog", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_instructor_lists_are_split_without_breaking_hyphenated_names() -> None:
    split = build_script().instructors_split

    assert split("Dacher Keltner-Emiliana Simon-Thomas") == [
        "Dacher Keltner",
        "Emiliana Simon-Thomas",
    ]
    assert split("Chantal de Moerloose-Claude Pecheux-Anne-Laure Bartier") == [
        "Chantal de Moerloose",
        "Claude Pecheux",
        "Anne-Laure Bartier",
    ]
    assert split("") == []


def test_rounded_enrolment_figures_become_whole_numbers() -> None:
    count = build_script().count_parse

    assert count("5.3k") == "5300"
    assert count("1.5m") == "1500000"
    assert count("17k") == "17000"
    assert count("NA") == ""


def test_coursera_titles_in_other_languages_are_left_out() -> None:
    language = build_script().coursera_language

    assert language("331", "Réussir le Changement") == "fr"
    assert language("1", "Fundamentos de Finanzas Empresariales") == ""
    assert language("2", "Программирование на Python") == ""
    assert language("3", "Architecting with Google Cloud Platform 日本語版") == ""
    assert language("4", "The Data Scientist’s Toolbox") == "en"
    assert language("5", "Positive Psychology: Martin E. P. Seligman’s Science") == "en"
