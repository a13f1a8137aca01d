from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iioe.accounts import selectors, services
from iioe.accounts.forms import (
    ProfileForm,
    SignupAccountForm,
    SignupProfileForm,
    profile_from_session,
    profile_to_session,
    rate_limit_message,
)
from iioe.accounts.models import User

SESSION_PROFILE = "accounts.signup.profile"
SESSION_NEXT = "accounts.signup.next"
ALLAUTH_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _safe_next(request: HttpRequest, url: object) -> str | None:
    if isinstance(url, str) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Sign-up, step one: who the person is, kept in the session."""
    if request.user.is_authenticated:
        return redirect("catalog:my_iioe")
    if next_url := _safe_next(request, request.GET.get("next")):
        request.session[SESSION_NEXT] = next_url

    if request.method == "POST":
        form = SignupProfileForm(request.POST)
        if form.is_valid():
            request.session[SESSION_PROFILE] = profile_to_session(form.profile())
            return redirect("accounts:register_account")
    else:
        stored = request.session.get(SESSION_PROFILE)
        form = SignupProfileForm(initial=stored if isinstance(stored, dict) else None)
    context = {"form": form, "next_url": request.session.get(SESSION_NEXT, "")}
    return render(request, "accounts/register.html", context)


@never_cache
@sensitive_post_parameters("password1", "password2", "code")
@require_http_methods(["GET", "POST"])
def register_account(request: HttpRequest) -> HttpResponse:
    """Sign-up, step two: the address, its code and a password."""
    if request.user.is_authenticated:
        return redirect("catalog:my_iioe")
    profile = profile_from_session(request.session.get(SESSION_PROFILE))
    if profile is None:
        messages.info(request, gettext("Please start with your details."))
        return redirect("accounts:register")

    if request.method == "GET":
        return _render_account(request, SignupAccountForm(profile=profile))
    if request.POST.get("action") == "send_code":
        form, result, status = _request_code(request, profile)
        return _render_account(request, form, result=result, status=status)
    return _sign_up(request, profile)


@never_cache
@require_POST
def register_code(request: HttpRequest) -> JsonResponse:
    """Send a sign-up code for the page's script; answers in JSON."""
    profile = profile_from_session(request.session.get(SESSION_PROFILE))
    if profile is None:
        message = gettext("Please start with your details.")
        return JsonResponse({"errors": {"email": [message]}}, status=400)

    form, result, status = _request_code(request, profile)
    payload: dict[str, object] = {
        "errors": {name: list(errors) for name, errors in form.errors.items()}
    }
    if result is not None:
        payload["message"] = _code_message(form.cleaned_data["email"], result)
        payload["wait"] = result.wait_seconds
    return JsonResponse(payload, status=status)


def _request_code(
    request: HttpRequest, profile: services.SignupProfile
) -> tuple[SignupAccountForm, services.CodeRequest | None, int]:
    form = SignupAccountForm(request.POST, profile=profile, sending_code=True)
    if not form.is_valid():
        return form, None, 400

    email = form.cleaned_data["email"]
    if not ratelimit.consume(request, action="signup_code_request", key=email):
        form.add_error("email", rate_limit_message())
        return form, None, 429
    result = services.signup_code_request(
        email=email,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        site_url=_site_url(request),
    )
    return form, result, 200


def _code_message(email: str, result: services.CodeRequest) -> str:
    # The same words whether or not the address has an account.
    if result.sent:
        return gettext(
            "We have sent a message to %(email)s. Enter the 6-digit code it "
            "contains; the code is valid for 10 minutes. Nothing after a "
            "minute? Check your spam folder or ask again."
        ) % {"email": email}
    return ngettext(
        "A message was sent to %(email)s less than a minute ago. You can ask "
        "again in %(seconds)d second.",
        "A message was sent to %(email)s less than a minute ago. You can ask "
        "again in %(seconds)d seconds.",
        result.wait_seconds,
    ) % {"email": email, "seconds": result.wait_seconds}


def _sign_up(request: HttpRequest, profile: services.SignupProfile) -> HttpResponse:
    email_key = request.POST.get("email", "").strip().lower()[:254]
    allowed = ratelimit.consume(
        request, action="signup_code_check", key=email_key or "-"
    )
    form = SignupAccountForm(request.POST, profile=profile, code_checks_allowed=allowed)
    if not form.is_valid():
        return _render_account(request, form, status=200 if allowed else 429)

    data = form.cleaned_data
    try:
        user = services.user_register(
            email=data["email"],
            code=data["code"],
            password=data["password1"],
            profile=profile,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
    except services.SignupError as refusal:
        form.add_error(refusal.field, refusal.message)
        return _render_account(request, form)
    return _finish_sign_up(request, user)


def _finish_sign_up(request: HttpRequest, user: User) -> HttpResponse:
    next_url = _safe_next(request, request.session.get(SESSION_NEXT))
    login(request, user, backend=ALLAUTH_BACKEND)
    # No "stay logged in" box here: the session ends with the browser.
    request.session.set_expiry(0)
    for key in (SESSION_PROFILE, SESSION_NEXT):
        request.session.pop(key, None)

    messages.success(
        request,
        gettext("Welcome to IIOE, %(name)s. Your account is ready.")
        % {"name": user.first_name},
    )
    return redirect(next_url or "catalog:my_iioe")


def _render_account(
    request: HttpRequest,
    form: SignupAccountForm,
    *,
    result: services.CodeRequest | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "profile": form.profile,
        "code_message": "",
        "code_wait": 0,
        "next_url": request.session.get(SESSION_NEXT, ""),
    }
    if result is not None:
        context["code_message"] = _code_message(form.cleaned_data["email"], result)
        context["code_wait"] = result.wait_seconds
    elif form.is_bound and "email" in form.cleaned_data:
        # Keep the countdown running across a failed sign-up.
        email = form.cleaned_data["email"]
        context["code_wait"] = selectors.signup_code_wait_seconds(email=email)
    # A form error on the address is a client mistake, not a failed page.
    status = 200 if status == 400 else status
    return render(request, "accounts/register_account.html", context, status=status)


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/privacy.html")


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Let a person change their own details and interface language."""
    user = request.user
    assert isinstance(user, User)

    if request.method != "POST":
        form = ProfileForm(initial=ProfileForm.initial_for(user))
        return render(request, "accounts/profile.html", {"form": form})

    form = ProfileForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/profile.html", {"form": form})

    services.user_update_profile(user=user, **form.cleaned_data)
    language = form.cleaned_data["language"]
    with translation.override(language):
        messages.success(request, gettext("Your profile is saved."))
    response = redirect("accounts:profile_edit")
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
    )
    return response
