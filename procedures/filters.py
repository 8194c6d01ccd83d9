"""Query parameters of the public catalogue API, validated by django-filter: a bad value is a
400 with the parameter's name and the reason, never a 500 (see portal/api.py)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from portal.models import Unit

from .models import Field, Level, Procedure, Status, UnitProcedure
from .search import MAX_QUERY_CHARS, search_procedures

CODE_MAX_LENGTH = 32


class CodeChoiceField(forms.ModelChoiceField):
    """A choice by code that refuses values no code can have (too long, NUL) before they
    reach the database, where a NUL byte would be an error rather than "no such code"."""

    def to_python(self, value):
        if value not in self.empty_values:
            value = str(value)
            if len(value) > CODE_MAX_LENGTH or "\x00" in value:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


@extend_schema_field(OpenApiTypes.STR)
class CodeChoiceFilter(filters.ModelChoiceFilter):
    field_class = CodeChoiceField


def _unit_filter() -> CodeChoiceFilter:
    return CodeChoiceFilter(
        queryset=Unit.objects.filter(is_active=True),
        to_field_name="code",
        method="keep",
        label="Mã đơn vị: chỉ các thủ tục đơn vị này đang tiếp nhận.",
    )


class ProcedureFilter(filters.FilterSet):
    """`search`, `field`, `level` and `unit` of GET /api/v1/procedures/, answered together
    by procedures.search.search_procedures (which also orders: best match first)."""

    search = filters.CharFilter(
        method="keep",
        max_length=MAX_QUERY_CHARS,
        label="Từ khóa: có dấu hoặc không, theo thứ tự bất kỳ; tên, mã, lĩnh vực, giấy tờ.",
    )
    field = CodeChoiceFilter(
        queryset=Field.objects.all(), to_field_name="code", method="keep", label="Mã lĩnh vực."
    )
    level = filters.ChoiceFilter(choices=Level.choices, method="keep", label="Cấp thực hiện.")
    unit = _unit_filter()

    class Meta:
        model = Procedure
        fields = ["search", "field", "level", "unit"]

    def keep(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset  # applied all at once in filter_queryset

    def filter_queryset(self, queryset: QuerySet[Procedure]) -> QuerySet[Procedure]:
        data = self.form.cleaned_data
        field = data.get("field")
        return search_procedures(
            data.get("search") or "",
            field=field.code if field else None,
            level=data.get("level") or None,
            unit=data.get("unit"),
            queryset=queryset,
        )


class FieldFilter(filters.FilterSet):
    """`unit` of GET /api/v1/fields/: count only the procedures that unit offers."""

    unit = _unit_filter()

    class Meta:
        model = Field
        fields = ["unit"]

    def keep(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset

    def filter_queryset(self, queryset: QuerySet[Field]) -> QuerySet[Field]:
        return fields_with_counts(queryset, unit=self.form.cleaned_data.get("unit"))


def fields_with_counts(queryset: QuerySet[Field], unit: Unit | None = None) -> QuerySet[Field]:
    """Fields that have published procedures (offered by `unit`, when given), with
    `procedure_count`, by name."""
    published = Q(procedures__status=Status.PUBLISHED)
    if unit is not None:
        offered = UnitProcedure.objects.filter(
            unit=unit, procedure=OuterRef("procedures"), is_active=True
        )
        published &= Q(Exists(offered))
    return (
        queryset.annotate(procedure_count=Count("procedures", filter=published))
        .filter(procedure_count__gt=0)
        .order_by("name", "code")
    )
