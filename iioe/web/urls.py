from django.urls import path

from iioe.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("language", views.language_set, name="language_set"),
    path("credits", views.credits, name="credits"),
]
