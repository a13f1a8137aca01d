import datetime
from typing import Any

from allauth.account import forms as allauth_forms
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from iioe.accounts import passwords, services
from iioe.accounts.models import Gender, Identity, User

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)
NAME_MAX_LENGTH = 150
EMAIL_MAX_LENGTH = 254


def _country_choices() -> list[tuple[str, str]]:
    # Called at render time, so the names follow the current language.
    return [("", str(_("Select country/region")))] + [
        (country.code, country.name) for country in countries
    ]


def _validate_birth_date(value: datetime.date) -> None:
    if value > timezone.localdate():
        raise ValidationError(
            _("A date of birth cannot be in the future."), code="future"
        )
    if value < EARLIEST_BIRTH_DATE:
        raise ValidationError(
            _("Enter a date of birth from %(year)d on."),
            code="too_early",
            params={"year": EARLIEST_BIRTH_DATE.year},
        )


def _date_widget() -> forms.DateInput:
    return forms.DateInput(
        attrs={"type": "date", "min": EARLIEST_BIRTH_DATE.isoformat()},
        format="%Y-%m-%d",
    )


class PersonForm(forms.Form):
    """The fields the first sign-up step and the profile page share."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=_date_widget(),
        validators=[_validate_birth_date],
    )
    identity = forms.ChoiceField(
        label=_("Identity"),
        choices=[("", _("Select your identity")), *Identity.choices],
    )
    gender = forms.ChoiceField(
        label=_("Gender"), choices=Gender.choices, widget=forms.RadioSelect
    )
    country = forms.ChoiceField(label=_("Country/region"), choices=_country_choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The widget sets "max" when the form is built, so it is always today.
        self.fields["date_of_birth"].widget.attrs["max"] = (
            timezone.localdate().isoformat()
        )


class SignupProfileForm(PersonForm):
    """Step one of sign-up: who the person is."""

    def profile(self) -> services.SignupProfile:
        data = self.cleaned_data
        return services.SignupProfile(
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            identity=data["identity"],
            gender=data["gender"],
            country=data["country"],
        )


def profile_to_session(profile: services.SignupProfile) -> dict[str, str]:
    return {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "date_of_birth": profile.date_of_birth.isoformat(),
        "identity": profile.identity,
        "gender": profile.gender,
        "country": profile.country,
    }


def profile_from_session(data: object) -> services.SignupProfile | None:
    """Return the step-one answers kept in the session, if they still hold."""
    if not isinstance(data, dict):
        return None
    form = SignupProfileForm(data=data)
    return form.profile() if form.is_valid() else None


class SignupAccountForm(forms.Form):
    """Step two of sign-up: the address, its code and a password.

    With ``sending_code`` only the address is checked, for the "Send
    Verification Code" button. ``code_checks_allowed`` is False when the
    rate limit on code checks is reached; the code is then not looked at.
    """

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    code = forms.CharField(
        label=_("Verification code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": r"\s*[0-9]{6}\s*",
                "maxlength": "12",
            }
        ),
    )
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=passwords.MAX_LENGTH,
        help_text=passwords.HELP_TEXT,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Re-enter password"),
        strip=False,
        max_length=passwords.MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_("I have read and agree to the Data User Privacy Agreement."),
        error_messages={
            "required": _("Please agree to the Data User Privacy Agreement to sign up.")
        },
    )

    code_format = RegexValidator(
        r"^[0-9]{6}$", _("Enter the 6 digits of the code we sent you.")
    )

    def __init__(
        self,
        *args: Any,
        profile: services.SignupProfile,
        sending_code: bool = False,
        code_checks_allowed: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.sending_code = sending_code
        self.code_checks_allowed = code_checks_allowed
        if sending_code:
            for name, field in self.fields.items():
                field.required = name == "email"

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data.get("code") or "").split())
        if not self.sending_code:
            self.code_format(code)
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.sending_code:
            return data

        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        if password1 and "email" in data:
            self._validate_password(password1, data["email"])
        if "email" in data and "code" in data:
            self._check_code(data["email"], data["code"])
        return data

    def _validate_password(self, password: str, email: str) -> None:
        person = User(
            email=email,
            first_name=self.profile.first_name,
            last_name=self.profile.last_name,
        )
        try:
            password_validation.validate_password(password, person)
        except ValidationError as error:
            self.add_error("password1", error)

    def _check_code(self, email: str, code: str) -> None:
        if not self.code_checks_allowed:
            self.add_error("code", rate_limit_message())
            return
        try:
            services.signup_code_check(email=email, code=code)
        except services.CodeError as rejection:
            self.add_error("code", rejection.message)


def rate_limit_message() -> str:
    return str(
        _("Too many attempts from here. Please wait a few minutes and try again.")
    )


class ProfileForm(PersonForm):
    """The details a person can change on their profile page."""

    language = forms.ChoiceField(label=_("Interface language"), choices=[])
    data_saver = forms.BooleanField(
        label=_("Data saver"),
        required=False,
        help_text=_(
            "Videos start at their lowest resolution, and the resolution menu "
            "shows the approximate size of each choice."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = list(settings.LANGUAGES)

    @classmethod
    def initial_for(cls, user: User) -> dict[str, Any]:
        return {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_of_birth": user.date_of_birth,
            "identity": user.identity,
            "gender": user.gender,
            "country": str(user.country.code or "") if user.country else "",
            "language": user.language,
            "data_saver": user.data_saver,
        }


# allauth's forms, with the platform's labels and password rule.


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("E-mail address")
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].widget.attrs.pop("placeholder", None)
        if "remember" in self.fields:
            self.fields["remember"].label = _("Stay logged in for 15 days")


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail address")
        self.fields["email"].widget.attrs.pop("placeholder", None)


class ConfirmPasswordResetCodeForm(allauth_forms.ConfirmPasswordResetCodeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Verification code")
        self.fields["code"].widget.attrs.pop("placeholder", None)


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = _("New password")
        self.fields["password1"].help_text = passwords.HELP_TEXT
        self.fields["password2"].label = _("Re-enter password")
        for name in ("password1", "password2"):
            self.fields[name].widget.attrs.pop("placeholder", None)


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["oldpassword"].label = _("Current password")
        self.fields["password1"].label = _("New password")
        self.fields["password1"].help_text = passwords.HELP_TEXT
        self.fields["password2"].label = _("Re-enter password")
        for name in ("oldpassword", "password1", "password2"):
            self.fields[name].widget.attrs.pop("placeholder", None)
