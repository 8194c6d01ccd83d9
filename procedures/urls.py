from django.urls import path

from . import views

app_name = "procedures"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("p/<str:code>", views.procedure_detail, name="detail"),
    path("p/<str:code>/qr.png", views.procedure_qr_png, name="qr-png"),
    path("p/<str:code>/qr.svg", views.procedure_qr_svg, name="qr-svg"),
    path("p/<str:code>/poster.pdf", views.procedure_poster_pdf, name="poster-pdf"),
    path("forms/<int:pk>/", views.local_form_download, name="local-form"),
    path("lang/<str:language>/", views.set_language, name="set-language"),
]
