from allauth.account import views as allauth_views
from django.urls import path

from iioe.accounts import views

app_name = "accounts"

urlpatterns = [
    path("register", views.register, name="register"),
    path("register/account", views.register_account, name="register_account"),
    path("register/code", views.register_code, name="register_code"),
    path("privacy", views.privacy, name="privacy"),
    path("login", allauth_views.login, name="login"),
    path("logout", allauth_views.logout, name="logout"),
    path("my-iioe/profile", views.profile_edit, name="profile_edit"),
]
