from django.urls import path

from . import api

urlpatterns = [
    path("dossiers/", api.DossierListView.as_view(), name="api-dossier-list"),
    path("dossiers/<str:code>/", api.DossierDetailView.as_view(), name="api-dossier-detail"),
    path(
        "dossiers/<str:code>/actions/<str:action>/",
        api.DossierActionView.as_view(),
        name="api-dossier-action",
    ),
]
