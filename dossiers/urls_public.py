"""Public pages of issued papers: `/v/<token>`, where a paper's QR code leads."""

from django.urls import path

from . import public_views

app_name = "verify"

urlpatterns = [
    # Anything under /v/ is a paper link: an unknown one gets the "not found, maybe forged" page.
    path("v/<path:token>", public_views.verify_paper, name="paper"),
]
