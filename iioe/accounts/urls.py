from django.urls import path

from iioe.accounts import views

app_name = "accounts"

urlpatterns = [
    path("register", views.register, name="register"),
    path("privacy", views.privacy, name="privacy"),
    path("my-iioe/profile", views.profile_edit, name="profile_edit"),
]
