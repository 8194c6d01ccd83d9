from django.urls import path

from . import track_api, track_views

app_name = "tracking"

urlpatterns = [
    path("track", track_views.track, name="track"),
    path("api/v1/track/", track_api.TrackView.as_view(), name="api-track"),
]
