"""The desk workspace, mounted at /desk/."""

from django.contrib.auth import views as auth_views
from django.urls import path

from portal.auth import StaffAuthenticationForm

from . import paper_once_views, views

app_name = "desk"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="dossiers/desk/login.html",
            authentication_form=StaffAuthenticationForm,
            redirect_authenticated_user=True,
            next_page="desk:home",
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="desk:login"), name="logout"),
    path("", views.home, name="home"),
    path("receive/", views.receive, name="receive"),
    path("dossiers/<str:code>/", views.dossier_detail, name="dossier"),
    path("dossiers/<str:code>/actions/<str:action>/", views.dossier_action, name="dossier-action"),
    path("dossiers/<str:code>/apology/", views.apology_draft, name="apology"),
    path("scans/<int:pk>/", views.scan_download, name="scan"),
    path("stored/<int:pk>/", paper_once_views.stored_document, name="stored-document"),
    path("reports/paper-once/", paper_once_views.report, name="report-paper-once"),
]
