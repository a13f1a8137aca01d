"""Build the bundled demo catalog from public course catalogs.

Usage, from the repository root:

    .venv/bin/python demo/build_catalog.py DATA_DIR

DATA_DIR holds catalog/edx_courses.csv, catalog/coursera_courses.csv and
institutions/world_universities_and_domains.json (see demo/SOURCES.md for
where they come from). The script writes demo/catalog/courses.csv and
demo/catalog/institutions.csv. It keeps factual fields only: no summary,
description or syllabus leaves the source files.

The platform never runs this script: `manage.py load_demo` reads the CSV
files it wrote, which are committed.
"""

import argparse
import csv
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from django.utils.text import slugify

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from iioe.catalog.category_rules import course_place, rules_read  # noqa: E402

OUT = ROOT / "demo" / "catalog"

# The sources give no date per course. Each row is dated 1 January of the
# year its snapshot was taken (edX: the "edX Courses Dataset 2021"; Coursera:
# scraped in 2020), so sorting by date stays stable and invents nothing.
SNAPSHOT_DATES = {"edx": "2021-01-01", "coursera": "2020-01-01"}

# The IIOE user guide (10 March 2021) shows these three courses. Facts it
# does not give are left blank; a course it shows without a date takes the
# date of the guide.
GUIDE_DATE = "2021-03-10"
SEED_COURSES = [
    {
        "external_id": "iioe:comment-creer-un-cours-en-ligne",
        "slug": "comment-creer-un-cours-en-ligne",
        "title": "Comment Créer un Cours en Ligne",
        "provider": "UNESCO-ICHEI",
        "language": "fr",
        "rating_average": "4",
        "rating_count": "75",
        "view_count": "64",
        "duration_seconds": str(59 * 60 + 1),
        "published_on": "2020-02-04",
    },
    {
        "external_id": "iioe:abc-era-cloud-computing",
        "slug": "abc-era-cloud-computing",
        "title": "ABC时代的云计算",
        "provider": "CIO Times",
        "language": "zh",
        "published_on": GUIDE_DATE,
    },
    {
        "external_id": "iioe:introduction-to-data-science-and-machine-learning",
        "slug": "introduction-to-data-science-and-machine-learning",
        "title": "Introduction to Data Science & Machine Learning",
        "provider": "UNESCO-ICHEI",
        "language": "en",
        "published_on": GUIDE_DATE,
    },
]
# The guide names UNESCO-ICHEI's country; it is not a university, so it is
# not in the list of universities.
GUIDE_INSTITUTIONS = [
    {"name": "UNESCO-ICHEI", "country": "CN", "website": "", "source": "iioe-guide"}
]

EDX_LANGUAGES = {"English": "en", "Français": "fr", "中文": "zh"}

# The Coursera file has no language column. These rows have French titles
# and are taught in French (checked by reading each title); rows whose titles
# are in another language than English or French are left out.
COURSERA_FRENCH = {"191", "331", "397", "438", "516", "541", "634", "750", "844"}
OTHER_LANGUAGE_TITLE = re.compile(
    r"[\u0400-\u04ff]|日本語|ción|ções|ção|ñ|¿|á|í|ó|ã|\b(y|el|los|"
    r"las|em|para|del|com|con|una|dos|Gerencial|Verde)\b|^Marketing Digital$|"
    r"Fundamentos|Excelencia|Éxito",
    re.IGNORECASE,
)

# Names the list of universities spells differently from the catalogs.
INSTITUTION_ALIASES = {
    "ETH Zurich": "ETHZ - ETH Zurich",
    "Goldsmiths, University of London": "Goldsmiths College, University of London",
    "IITBombay": "Indian Institute of Technology, Bombay",
    "KU Leuven University": "KU Leuven",
    "National Research University Higher School of Economics": (
        "Higher School of Economics"
    ),
    "Rutgers the State University of New Jersey": "Rutgers University",
    "The State University of New York": "State University of New York System",
    "The University of Michigan": "University of Michigan - Ann Arbor",
    "UNSW Sydney (The University of New South Wales)": (
        "University of New South Wales"
    ),
    "Universitat Politècnica de Valencia": "Universidad Politécnica de Valencia",
    "University of Colorado Boulder": "University of Colorado at Boulder",
    "University of Illinois at Urbana-Champaign": (
        "University of Illinois Urbana-Champaign"
    ),
    "University of Michigan": "University of Michigan - Ann Arbor",
    "Wageningen University & Research": "Wageningen University",
    "Wits University": "University of Witwatersrand",
    "École Polytechnique Fédérale de Lausanne": "EPFL - EPF Lausanne",
}

# Given names that the edX file joins to the next name with a hyphen, like
# "Anne-Laure Bartier"; see instructors_split.
HYPHENATED_GIVEN_NAMES = {"Anne", "Jean", "Marie", "Pierre"}


@dataclass
class CourseRow:
    external_id: str
    slug: str
    source: str
    title: str
    provider: str
    language: str
    subject: str = ""
    level: str = ""
    kind: str = ""
    effort_hours_min: str = ""
    effort_hours_max: str = ""
    length_weeks: str = ""
    enrolment_count: str = ""
    rating_average: str = ""
    rating_count: str = ""
    view_count: str = ""
    duration_seconds: str = ""
    published_on: str = ""
    instructors: str = ""
    source_url: str = ""


def edx_rows(path: Path) -> Iterator[CourseRow]:
    seen = set()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            language = EDX_LANGUAGES.get(row["language"])
            key = row["course_url"].rstrip("/").rsplit("/", 1)[-1]
            if not language or key in seen:
                continue
            seen.add(key)
            low, high = re.findall(r"\d+", row["course_effort"])
            yield CourseRow(
                external_id=f"edx:{key}",
                slug=key,
                source="edx",
                title=clean(row["title"]),
                provider=clean(row["institution"]),
                language=language,
                subject=clean(row["subject"]),
                level=clean(row["Level"]),
                kind=clean(row["course_type"]),
                effort_hours_min=low,
                effort_hours_max=high,
                length_weeks=re.findall(r"\d+", row["course_length"])[0],
                enrolment_count=row["n_enrolled"].replace(",", "").strip("NA"),
                published_on=SNAPSHOT_DATES["edx"],
                instructors="; ".join(instructors_split(row["instructors"])),
                source_url=row["course_url"],
            )


def coursera_rows(path: Path) -> Iterator[CourseRow]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            title = clean(row["course_title"])
            language = coursera_language(row[""], title)
            if not language:
                continue
            yield CourseRow(
                external_id=f"coursera:{row['']}",
                slug=slugify(title),
                source="coursera",
                title=title,
                provider=clean(row["course_organization"]),
                language=language,
                level=clean(row["course_difficulty"]),
                kind=clean(row["course_Certificate_type"]),
                enrolment_count=count_parse(row["course_students_enrolled"]),
                rating_average=row["course_rating"].strip(),
                published_on=SNAPSHOT_DATES["coursera"],
            )


def coursera_language(index: str, title: str) -> str:
    if index in COURSERA_FRENCH:
        return "fr"
    return "" if OTHER_LANGUAGE_TITLE.search(title) else "en"


def count_parse(text: str) -> str:
    """Turn "5.3k" or "1.5m" into a whole number, as the source rounded it."""
    match = re.fullmatch(r"([\d.]+)([km]?)", text.strip().lower())
    if not match:
        return ""
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[match[2]]
    return str(round(float(match[1]) * factor))


def instructors_split(text: str) -> list[str]:
    """Split the edX list of names, which joins names with hyphens.

    Hyphens also occur inside names, so a one-word piece is joined back to the
    name before it ("Emiliana Simon-Thomas"), or to the one after it when it is
    a known hyphenated given name ("Anne-Laure Bartier").
    """
    pieces = [p.strip() for p in text.split("-") if p.strip()]
    names: list[str] = []
    pending = ""
    for piece in pieces:
        if pending:
            piece, pending = f"{pending}-{piece}", ""
        if " " not in piece and piece in HYPHENATED_GIVEN_NAMES:
            pending = piece
        elif " " not in piece and names:
            names[-1] = f"{names[-1]}-{piece}"
        else:
            names.append(piece)
    return names


def clean(text: str) -> str:
    text = text.replace("\u200b", "")
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def keep(row: CourseRow, rules: list) -> bool:
    """Keep every French and Chinese course, and the English ones that fit.

    An English course fits unless the rules leave it among the Discipline
    Courses' "Others", where the catalogs' many courses far from ICT and
    teaching would land.
    """
    if row.language != "en":
        return True
    return course_place(asdict(row), rules).category != "discipline-others"


def providers_unify(rows: list[CourseRow]) -> None:
    """Spell each provider one way: the spelling most of its courses use.

    The two catalogs spell some names differently ("The University of
    Michigan", "University of Michigan"); spellings that differ only in case,
    accents, punctuation or a leading "The" name the same provider.
    """
    spellings: dict[str, Counter[str]] = {}
    for row in rows:
        spellings.setdefault(name_key(row.provider), Counter())[row.provider] += 1
    for row in rows:
        row.provider = spellings[name_key(row.provider)].most_common(1)[0][0]


def slugs_deduplicate(rows: list[CourseRow]) -> None:
    taken: set[str] = set()
    for row in rows:
        base = row.slug or slugify(row.external_id.replace(":", "-"))
        slug, number = base[:200], 2
        while slug in taken:
            slug, number = f"{base[:195]}-{number}", number + 1
        row.slug = slug
        taken.add(slug)


def institutions_lookup(names: set[str], universities_path: Path) -> list[dict]:
    """Find each provider's country and website in the list of universities.

    A provider matches when its name, or its alias, equals a listed name once
    case, accents, punctuation and a leading "The" are ignored. edX joins
    several partners with hyphens: such a provider takes a country when every
    part matches and all agree on it. Providers that match nothing are left
    out.
    """
    universities: dict[str, list[dict]] = {}
    for entry in json.loads(universities_path.read_text(encoding="utf-8")):
        universities.setdefault(name_key(entry["name"]), []).append(entry)

    aliases = {name_key(k): name_key(v) for k, v in INSTITUTION_ALIASES.items()}

    def find(name: str) -> dict | None:
        key = name_key(name)
        found = universities.get(aliases.get(key, key), [])
        return found[0] if len({e["alpha_two_code"] for e in found}) == 1 else None

    rows = []
    for name in sorted(names):
        entry = find(name)
        if entry is None and "-" in name:
            parts = [find(part) for part in name.split("-")]
            countries = {p["alpha_two_code"] for p in parts if p}
            if len(countries) == 1 and all(parts):
                entry = {"alpha_two_code": countries.pop(), "web_pages": []}
        if entry is None:
            continue
        website = entry["web_pages"][0] if entry["web_pages"] else ""
        rows.append(
            {
                "name": name,
                "country": entry["alpha_two_code"],
                "website": website,
                "source": "world-universities",
            }
        )
    return rows


def name_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"^the\s+", "", text)
    return " ".join(re.findall(r"\w+", text))


def write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", type=Path)
    data_dir = parser.parse_args().data_dir
    rules = rules_read(OUT / "category_map.csv")

    courses = [CourseRow(source="iioe", **seed) for seed in SEED_COURSES]
    courses += edx_rows(data_dir / "catalog" / "edx_courses.csv")
    courses += coursera_rows(data_dir / "catalog" / "coursera_courses.csv")
    courses = [row for row in courses if row.source == "iioe" or keep(row, rules)]
    providers_unify(courses)
    slugs_deduplicate(courses)
    header = [f.name for f in fields(CourseRow)]
    write_csv(OUT / "courses.csv", header, [asdict(row) for row in courses])

    providers = {row.provider for row in courses}
    institutions = GUIDE_INSTITUTIONS + institutions_lookup(
        providers - {i["name"] for i in GUIDE_INSTITUTIONS},
        data_dir / "institutions" / "world_universities_and_domains.json",
    )
    write_csv(OUT / "institutions.csv", list(institutions[0]), institutions)
    print(
        f"{len(courses)} courses, {len(providers)} providers, "
        f"{len(institutions)} with a country"
    )


if __name__ == "__main__":
    main()
