"""Every catalog is complete, compiles, and holds every string of its app.

A catalog is stale when the code wraps a string the catalog lacks, or the
catalog keeps a string the code no longer has; the strings are extracted by
makemessages itself, into a copy of the app, so nothing in the tree changes.
"""

import functools
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
LANGUAGES = ["fr", "zh_Hans"]
# Apps of the project, each with its own catalogs; strings of the settings
# package (which is no app) belong to the web app's catalog.
APPS = sorted(path.parent.name for path in (BASE_DIR / "iioe").glob("*/apps.py"))
EXTRA_SOURCES = {"web": ["config"]}
CATALOGS = sorted((BASE_DIR / "iioe").glob("*/locale/*/LC_MESSAGES/*.po"))
REGENERATE = (
    "cd iioe/{app} && ../../.venv/bin/django-admin makemessages "
    "-l fr -l zh_Hans --no-obsolete -d {domain}"
)

MessageKey = tuple[str | None, str]


def relative(path: Path) -> str:
    return str(path.relative_to(BASE_DIR))


def load(path: Path) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(po_file)


def key(message_id: str | tuple[str, ...], context: str | None) -> MessageKey:
    singular = message_id if isinstance(message_id, str) else message_id[0]
    return (context, singular)


def keys_of(catalog: Catalog) -> set[MessageKey]:
    return {key(message.id, message.context) for message in catalog if message.id}


@functools.cache
def extracted_keys(app: str, domain: str) -> frozenset[MessageKey]:
    """Run makemessages on a copy of the app and return what it found."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / app
        skip = shutil.ignore_patterns("locale", "__pycache__")
        shutil.copytree(BASE_DIR / "iioe" / app, copy, ignore=skip)
        for extra in EXTRA_SOURCES.get(app, []):
            shutil.copytree(BASE_DIR / "iioe" / extra, copy / f"_{extra}", ignore=skip)
        (copy / "locale").mkdir()
        subprocess.run(  # noqa: S603
            # -P: the copy's own modules (selectors.py) must not shadow the
            # standard library's.
            [sys.executable, "-P", "-m", "django", "makemessages", "-l", "fr"]
            + ["--domain", domain],
            cwd=copy,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            check=True,
            capture_output=True,
        )
        extracted = copy / "locale" / "fr" / "LC_MESSAGES" / f"{domain}.po"
        return (
            frozenset(keys_of(load(extracted))) if extracted.exists() else frozenset()
        )


def app_domains(app: str) -> list[str]:
    has_scripts = any((BASE_DIR / "iioe" / app).glob("static/**/*.js"))
    return ["django", "djangojs"] if has_scripts else ["django"]


def describe(keys: set[MessageKey]) -> str:
    shown = sorted(keys, key=lambda item: (item[0] or "", item[1]))[:15]
    lines = [
        f"  {msgid!r}" + (f" (context {ctx!r})" if ctx else "") for ctx, msgid in shown
    ]
    if len(keys) > len(shown):
        lines.append(f"  … and {len(keys) - len(shown)} more")
    return "\n".join(lines)


def test_the_project_has_catalogs_in_both_languages() -> None:
    languages = {path.parts[-3] for path in CATALOGS}

    assert set(LANGUAGES) <= languages


@pytest.mark.parametrize("catalog_path", CATALOGS, ids=relative)
def test_a_catalog_has_no_untranslated_or_fuzzy_entry(catalog_path: Path) -> None:
    catalog = load(catalog_path)

    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = (
            message.string if isinstance(message.string, tuple) else (message.string,)
        )
        if not all(strings):
            untranslated.append(f"  line {message.lineno}: {message.id!r}")
        if message.fuzzy:
            fuzzy.append(f"  line {message.lineno}: {message.id!r}")

    problems = ""
    if untranslated:
        problems += "untranslated:\n" + "\n".join(untranslated) + "\n"
    if fuzzy:
        problems += "fuzzy (check, then remove the flag):\n" + "\n".join(fuzzy)
    assert not problems, f"{relative(catalog_path)}\n{problems}"


@pytest.mark.parametrize("catalog_path", CATALOGS, ids=relative)
def test_a_catalog_compiles_with_the_same_placeholders_as_its_source(
    catalog_path: Path,
) -> None:
    result = subprocess.run(  # noqa: S603
        ["/usr/bin/msgfmt", "--check", "--output-file=/dev/null", str(catalog_path)],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("app", APPS)
def test_a_catalog_holds_every_string_its_app_wraps_and_no_other(
    app: str, language: str
) -> None:
    for domain in app_domains(app):
        wanted = set(extracted_keys(app, domain))
        path = BASE_DIR / "iioe" / app / "locale" / language / "LC_MESSAGES"
        path = path / f"{domain}.po"
        if not wanted and not path.exists():
            continue
        assert path.exists(), (
            f"iioe/{app} wraps {len(wanted)} strings but has no {relative(path)}; "
            f"run: {REGENERATE.format(app=app, domain=domain)}"
        )

        catalog = load(path)
        missing = wanted - keys_of(catalog)
        unused = keys_of(catalog) - wanted
        assert not missing, (
            f"{relative(path)} lacks strings the code wraps; "
            f"run: {REGENERATE.format(app=app, domain=domain)}\n{describe(missing)}"
        )
        assert not unused, (
            f"{relative(path)} keeps strings the code no longer wraps; "
            f"run: {REGENERATE.format(app=app, domain=domain)}\n{describe(unused)}"
        )
        assert not catalog.obsolete, (
            f"{relative(path)} keeps obsolete (#~) entries; "
            f"run: {REGENERATE.format(app=app, domain=domain)}"
        )
