import math
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Identity(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    RESEARCHER = "researcher", _("Researcher")
    ADMINISTRATOR = "administrator", _("Administrator")
    STUDENT = "student", _("Student")
    OTHER = "other", _("Other")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str, password: str | None = None, **fields: Any
    ) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(
        self, email: str, password: str | None = None, **fields: Any
    ) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person with an account, identified by a case-insensitive e-mail."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    identity = models.CharField(
        _("identity"), max_length=20, choices=Identity.choices, blank=True
    )
    gender = models.CharField(
        _("gender"), max_length=20, choices=Gender.choices, blank=True
    )
    country = CountryField(_("country/region"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Videos start at their lightest rendition and show each choice's size.
    data_saver = models.BooleanField(_("data saver"), default=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        # Addresses are stored lowercased so that lookups by equality, which
        # allauth makes, find them however the person typed them.
        self.email = self.email.lower()


class SignupCode(models.Model):
    """The code last mailed to an address that is signing up.

    Only a keyed hash of the code is kept. A new request for the same address
    replaces the row, so at most one code per address is ever valid.
    """

    DIGITS = 6
    VALIDITY = timedelta(minutes=10)
    RESEND_AFTER = timedelta(seconds=60)
    MAX_WRONG = 5

    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("sign-up code")
        verbose_name_plural = _("sign-up codes")

    def __str__(self) -> str:
        return f"sign-up code #{self.pk}"

    def resend_wait_seconds(self, *, now: datetime) -> int:
        """Return how many seconds must pass before another code is sent."""
        wait = self.created_at + self.RESEND_AFTER - now
        return max(0, math.ceil(wait.total_seconds()))


class OutgoingMail(models.Model):
    """A rendered message waiting for the task that sends it.

    Writing the message before sending means a failed delivery can be tried
    again; the row is deleted once the mail server has accepted it, so no
    address or code stays behind.
    """

    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")

    def __str__(self) -> str:
        return f"mail #{self.pk}"
