from django.urls import path

from . import api, api_clock

urlpatterns = [
    path("procedures/", api.ProcedureListView.as_view(), name="api-procedure-list"),
    path(
        "procedures/<str:code>/due-date/",
        api_clock.ProcedureDueDateView.as_view(),
        name="api-procedure-due-date",
    ),
    path("procedures/<str:code>/", api.ProcedureDetailView.as_view(), name="api-procedure-detail"),
    path("fields/", api.FieldListView.as_view(), name="api-field-list"),
]
