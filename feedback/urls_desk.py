"""Desk pages (mounted at /desk/): the counter tablet, the feedback inbox, the indicators."""

from django.urls import path

from . import views

app_name = "feedback-desk"

urlpatterns = [
    path("dossiers/<str:code>/rate/", views.rate_at_counter, name="rate-counter"),
    path("feedback/", views.inbox, name="inbox"),
    path("feedback/<str:reference>/", views.desk_feedback, name="feedback"),
    path("indicators/", views.indicators, name="indicators"),
]
