"""Public pages: rating (/rate/...) and feedback (/feedback/...)."""

from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("rate/", views.rate_lookup, name="rate-lookup"),
    path("rate/account/<str:code>/", views.rate_in_account, name="rate-account"),
    # dossiers.notify.RATING_PATH: the invitation's link.
    path("rate/<str:token>", views.rate, name="rate"),
    path("feedback/new/", views.feedback_new, name="new"),
    path("feedback/mine/", views.my_feedback, name="mine"),
    path("feedback/<str:reference>/", views.feedback_detail, name="detail"),
]
