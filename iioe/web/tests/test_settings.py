import importlib.util
import stat
from pathlib import Path
from types import ModuleType

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from iioe.accounts.tests.smtp import Inbox
from iioe.config import settings as settings_module

SETTINGS_FILE = Path(settings_module.__file__)
VARIABLES = [
    "DEBUG",
    "SECRET_KEY",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
    "SECURE_COOKIES",
]


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> "SettingsLoader":
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    monkeypatch.setenv("IIOE_VAR_DIR", str(tmp_path / "var"))
    return SettingsLoader(monkeypatch)


class SettingsLoader:
    """Run the settings module afresh, as a new process would read it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def __call__(self, **environment: str) -> ModuleType:
        for name, value in environment.items():
            self.monkeypatch.setenv(name, value)
        spec = importlib.util.spec_from_file_location(
            "settings_under_test", SETTINGS_FILE
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("Yes", True), ("on", True), ("0", False),
     ("false", False), ("NO", False), ("off", False), ("", False)],
)  # fmt: skip
def test_a_yes_no_variable_accepts_the_usual_spellings(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("IIOE_TEST_FLAG", value)

    assert settings_module.env_bool("IIOE_TEST_FLAG") is expected


@pytest.mark.parametrize("value", ["maybe", "2", "y", "enabled", "truee"])
def test_a_yes_no_variable_refuses_an_ambiguous_value(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("IIOE_TEST_FLAG", value)

    with pytest.raises(ImproperlyConfigured, match="IIOE_TEST_FLAG"):
        settings_module.env_bool("IIOE_TEST_FLAG")


def test_a_number_variable_refuses_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IIOE_TEST_PORT", "twenty-five")

    with pytest.raises(ImproperlyConfigured, match="IIOE_TEST_PORT"):
        settings_module.env_int("IIOE_TEST_PORT", 25)


def test_a_list_variable_is_split_on_commas_and_trimmed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IIOE_TEST_HOSTS", " iioe.example , www.iioe.example,")

    hosts = settings_module.env_list("IIOE_TEST_HOSTS", ["localhost"])

    assert hosts == ["iioe.example", "www.iioe.example"]


def test_a_secret_can_be_read_from_a_file(
    fresh_settings: SettingsLoader, tmp_path: Path
) -> None:
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret-from-file\n", encoding="utf-8")

    loaded = fresh_settings(EMAIL_HOST_PASSWORD_FILE=str(secret))

    assert loaded.EMAIL_HOST_PASSWORD == "s3cret-from-file"


def test_a_variable_given_both_directly_and_as_a_file_is_refused(
    fresh_settings: SettingsLoader, tmp_path: Path
) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-file", encoding="utf-8")

    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        fresh_settings(SECRET_KEY="direct", SECRET_KEY_FILE=str(secret))


def test_the_secret_key_is_generated_on_first_run_and_kept(
    fresh_settings: SettingsLoader, tmp_path: Path
) -> None:
    first = fresh_settings()
    second = fresh_settings()

    key_file = tmp_path / "var" / "secret_key"
    assert len(first.SECRET_KEY) >= 50
    assert second.SECRET_KEY == first.SECRET_KEY
    assert key_file.read_text(encoding="utf-8") == first.SECRET_KEY
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_given_secret_key_wins_and_nothing_is_written(
    fresh_settings: SettingsLoader, tmp_path: Path
) -> None:
    loaded = fresh_settings(SECRET_KEY="given-by-the-operator")

    assert loaded.SECRET_KEY == "given-by-the-operator"
    assert not (tmp_path / "var" / "secret_key").exists()


def test_debug_is_off_unless_asked(fresh_settings: SettingsLoader) -> None:
    assert fresh_settings().DEBUG is False
    assert fresh_settings(DEBUG="true").DEBUG is True


def test_without_a_mail_server_mail_is_written_to_var_mail(
    fresh_settings: SettingsLoader, tmp_path: Path
) -> None:
    loaded = fresh_settings()

    assert loaded.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend"
    assert tmp_path / "var" / "mail" == loaded.EMAIL_FILE_PATH
    connection = get_connection(loaded.EMAIL_BACKEND, file_path=loaded.EMAIL_FILE_PATH)
    connection.send_messages([EmailMessage("Code", "654321", to=["a@example.org"])])
    (mail,) = (tmp_path / "var" / "mail").iterdir()
    assert "654321" in mail.read_text(encoding="utf-8")


def test_with_a_mail_server_set_mail_goes_to_it_over_smtp(
    fresh_settings: SettingsLoader, smtp_inbox: Inbox, settings: Settings
) -> None:
    loaded = fresh_settings(
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(settings.EMAIL_PORT),
        DEFAULT_FROM_EMAIL="IIOE <codes@iioe.example>",
    )
    connection = get_connection(
        loaded.EMAIL_BACKEND,
        host=loaded.EMAIL_HOST,
        port=loaded.EMAIL_PORT,
        use_tls=loaded.EMAIL_USE_TLS,
    )

    message = EmailMessage(
        "Code", "123456", loaded.DEFAULT_FROM_EMAIL, ["amina@example.org"]
    )
    connection.send_messages([message])

    assert loaded.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    received = smtp_inbox.last_to("amina@example.org")
    assert received["From"] == "IIOE <codes@iioe.example>"
    assert "123456" in received.get_content()


def test_pages_carry_the_security_headers(client: Client, db: None) -> None:
    response = client.get(reverse("web:health"))

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response


def test_hsts_is_sent_over_https_when_configured(
    client: Client, db: None, settings: Settings
) -> None:
    settings.SECURE_HSTS_SECONDS = 3600

    response = client.get(reverse("web:health"), secure=True)

    assert response["Strict-Transport-Security"] == "max-age=3600"
