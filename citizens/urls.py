"""The citizen's account, mounted at /account/."""

from django.urls import path

from . import views

app_name = "citizens"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("verify/", views.verify, name="verify"),
    path("verify/resend/", views.resend, name="resend"),
    path("password/", views.forgot, name="forgot"),
    path("password/reset/", views.reset, name="reset"),
    path("profile/", views.profile, name="profile"),
    path("profile/contact/", views.change_contact, name="change-contact"),
    path("dossiers/", views.dossier_list, name="dossiers"),
    path("dossiers/<str:code>/", views.dossier_detail, name="dossier"),
    path("dossiers/<str:code>/papers/<int:paper_id>.pdf", views.paper_pdf, name="paper-pdf"),
]
