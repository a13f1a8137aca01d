from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


def register(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/register.html")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/privacy.html")


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html")
