from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def bare(request: HttpRequest) -> HttpResponse:
    """Render a tiny template: the cost of Django itself, for comparison."""
    return render(request, "bench/bare.html", {"title": "Bare page"})
