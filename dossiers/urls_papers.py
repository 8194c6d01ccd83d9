"""Printing at the desk (mounted at /desk/): issued papers, the control slip, the log book."""

from django.urls import path

from . import paper_views

app_name = "dossiers-papers"

urlpatterns = [
    path(
        "dossiers/<str:code>/papers/<int:paper_id>.pdf",
        paper_views.paper_pdf,
        name="paper-pdf",
    ),
    path(
        "dossiers/<str:code>/control-slip.pdf",
        paper_views.control_slip_pdf,
        name="control-slip",
    ),
    path("logbook/", paper_views.logbook_view, name="logbook"),
]
