"""The citizen's account, mounted at /account/."""

from django.urls import path

from . import views

app_name = "citizens"

urlpatterns = [
    path("login/", views.login, name="login"),
]
