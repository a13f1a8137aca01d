"""Settings for the IIOE platform, read from the environment.

Every value has a safe default so that a fresh checkout runs on SQLite with no
variables set. Secrets may also be given as files: for any variable NAME,
NAME_FILE names a file whose content is used instead.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("IIOE_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    """Return a variable, or the content of the file named by NAME_FILE.

    Setting both NAME and NAME_FILE is refused: one of them would be silently
    ignored.
    """
    path = os.environ.get(f"{name}_FILE")
    if path and name in os.environ:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """Return a yes/no variable, refusing anything ambiguous."""
    value = env_str(name).strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    """Return a whole-number variable, refusing anything else."""
    value = env_str(name).strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, not {value!r}."
        ) from None


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated variable as a list, or the default if empty."""
    value = env_str(name).strip()
    return [item.strip() for item in value.split(",") if item.strip()] or default


def persistent_secret_key() -> str:
    """Return SECRET_KEY, generating one on first run and keeping it."""
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


SECRET_KEY = persistent_secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "iioe.web",
    "iioe.accounts",
    "iioe.institutions",
    "iioe.media",
    "iioe.catalog",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_countries",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "iioe.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "iioe.config.urls"
WSGI_APPLICATION = "iioe.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite in WAL mode by default; DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'iioe.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One shared cache for all processes: Redis when REDIS_URL is set, otherwise
# a database table, so rate limits hold across web workers.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "iioe_cache",
        }
    }
# Pages every guest sees alike, kept briefly in each web process's memory
# (iioe.web.caching); 0 turns this off.
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "guest-pages",
    "OPTIONS": {"MAX_ENTRIES": 500},
}
GUEST_PAGE_CACHE_SECONDS = env_int("GUEST_PAGE_CACHE_SECONDS", 60)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "iioe.accounts.passwords.LengthValidator"},
    {"NAME": "iioe.accounts.passwords.LettersAndDigitsValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "iioe.accounts.passwords.GuessablePatternValidator"},
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# "Stay logged in" keeps the session for 15 days; otherwise it ends with the
# browser.
SESSION_COOKIE_AGE = 15 * 24 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent only over HTTPS; gunicorn already trusts X-Forwarded-Proto from the
# addresses in FORWARDED_ALLOW_IPS, so request.is_secure() is right behind a
# reverse proxy without SECURE_PROXY_SSL_HEADER.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)

ACCOUNT_ADAPTER = "iioe.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_EMAIL_SUBJECT_PREFIX = "IIOE: "
# One address per account: it is the account's login and its identity.
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
ACCOUNT_FORMS = {
    "login": "iioe.accounts.forms.LoginForm",
    "reset_password": "iioe.accounts.forms.ResetPasswordForm",
    "confirm_password_reset_code": "iioe.accounts.forms.ConfirmPasswordResetCodeForm",
    "reset_password_from_key": "iioe.accounts.forms.ResetPasswordKeyForm",
    "change_password": "iioe.accounts.forms.ChangePasswordForm",
}
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    # The platform's own sign-up: mailing a code, and checking one.
    "signup_code_request": "10/m/ip,40/h/ip,5/30m/key",
    "signup_code_check": "20/m/ip,10/10m/key",
}
# Behind N reverse proxies, the client's address is the Nth from the right in
# X-Forwarded-For; without this every client would share the proxy's address
# and its per-IP rate limits.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("zh-hans", "中文"),
    ("fr", "Français"),
]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploaded files are never published as they are: members-only views serve
# them after checking permissions. This prefix is served by nothing, so a
# server set up the common way cannot expose MEDIA_ROOT by accident.
MEDIA_URL = "/uploads-not-served/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
# Files with a content hash in their name are cached for ever (immutable) by
# WhiteNoise; this is for the few referenced without one.
WHITENOISE_MAX_AGE = 3600

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "video"],
    }
}
# A worker that has not written a heartbeat for this long counts as dead.
WORKER_HEARTBEAT_SECONDS = 15

# With no mail server configured, mail is written as files to var/mail so a
# new user can read the codes the platform sends.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "IIOE <noreply@iioe.local>")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

FFMPEG_BINARY = env_str("FFMPEG_BINARY", "ffmpeg")
FFPROBE_BINARY = env_str("FFPROBE_BINARY", "ffprobe")
# x264 speed against size: slower presets make smaller files of the same
# quality. The tests use "ultrafast".
VIDEO_X264_PRESET = env_str("VIDEO_X264_PRESET", "veryfast")
# The largest video the staff may upload, in bytes (2 GB by default). The
# upload streams to a temporary file; a proxy in front must allow as much.
VIDEO_UPLOAD_MAX_BYTES = env_int("VIDEO_UPLOAD_MAX_BYTES", 2 * 1024**3)
# Who may watch a video, given a logged-in user and a video id.
VIDEO_VIEW_POLICY = "iioe.catalog.selectors.video_is_viewable"

COUNTRIES_FIRST = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Translators: used as the name of the site in page titles and mail.
SITE_NAME = _("IIOE")
