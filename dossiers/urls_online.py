"""Online submission for citizens, mounted at /online/."""

from django.urls import path

from . import online_views as views

app_name = "online"

urlpatterns = [
    path("start/<str:code>/", views.start, name="start"),
    path("drafts/", views.drafts, name="drafts"),
    path("drafts/<int:pk>/", views.draft_detail, name="draft"),
    path("drafts/<int:pk>/delete/", views.draft_delete, name="draft-delete"),
    path("drafts/<int:pk>/files/<int:file_id>/", views.file_view, name="file"),
    path("drafts/<int:pk>/files/<int:file_id>/delete/", views.file_delete, name="file-delete"),
    path("dossiers/<str:code>/supplement/", views.supplement, name="supplement"),
]
