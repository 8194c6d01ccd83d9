"""Public read-only API of the catalogue (to be completed)."""

from rest_framework import generics

from .models import Field, Procedure


class ProcedureListView(generics.ListAPIView):
    queryset = Procedure.objects.none()


class ProcedureDetailView(generics.RetrieveAPIView):
    queryset = Procedure.objects.none()


class FieldListView(generics.ListAPIView):
    queryset = Field.objects.none()
