"""The citizen's document store, mounted at /account/documents/."""

from django.urls import path

from . import views

app_name = "docstore"

urlpatterns = [
    path("", views.my_documents, name="documents"),
    path("<int:pk>/file/", views.document_file, name="file"),
]
