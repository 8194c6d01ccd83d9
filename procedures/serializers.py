"""Serializers of the public read-only catalogue API (procedures/api.py).

Shape: close to the catalogue interchange format (FORMAT.md), with one difference for
people-facing texts: each is a plain string in the language of the request (`?lang=` or
Accept-Language; an empty English text falls back to Vietnamese), not a {"vi", "en"}
object. Only the procedure name is given in both languages as well (`name_vi`, `name_en`),
so that a client can show or match either without a second request.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from portal.models import Unit

from .models import (
    Field,
    LegalDocument,
    LocalForm,
    Procedure,
    ProcedureDocument,
    ProcedureFee,
    UnitProcedure,
)


def public_link(code: str, unit_code: str | None = None) -> str:
    """The absolute, permanent link of a procedure's public page (the one in its QR code)."""
    url = settings.SITE_URL + reverse("procedures:detail", args=[code])
    return f"{url}?unit={unit_code}" if unit_code else url


class FieldSerializer(serializers.ModelSerializer):
    name = serializers.CharField(help_text="Tên lĩnh vực, theo ngôn ngữ yêu cầu.")

    class Meta:
        model = Field
        fields = ["code", "name"]


class FieldWithCountSerializer(FieldSerializer):
    procedure_count = serializers.IntegerField(
        help_text="Số thủ tục đã công bố (của đơn vị, khi có tham số unit)."
    )

    class Meta(FieldSerializer.Meta):
        fields = [*FieldSerializer.Meta.fields, "procedure_count"]


_PROCESSING_TIME = inline_serializer(
    "ProcessingTime",
    fields={
        "working_days": serializers.IntegerField(allow_null=True),
        "same_day": serializers.BooleanField(),
        "note": serializers.CharField(),
    },
)


class ProcedureListSerializer(serializers.ModelSerializer):
    name = serializers.CharField(help_text="Tên thủ tục, theo ngôn ngữ yêu cầu.")
    name_vi = serializers.CharField()
    name_en = serializers.CharField(allow_null=True)
    field = FieldSerializer()
    processing_time = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(
        help_text="Đường dẫn cố định tới trang thủ tục (đường dẫn trong mã QR)."
    )

    class Meta:
        model = Procedure
        fields = [
            "code",
            "name",
            "name_vi",
            "name_en",
            "field",
            "level",
            "processing_time",
            "online_level",
            "channels",
            "status",
            "url",
        ]

    @extend_schema_field(_PROCESSING_TIME)
    def get_processing_time(self, procedure: Procedure) -> dict:
        return {
            "working_days": None if procedure.same_day else procedure.processing_days,
            "same_day": procedure.same_day,
            "note": procedure.processing_note or "",
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, procedure: Procedure) -> str:
        return public_link(procedure.code, self.context.get("unit_code"))


class FeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcedureFee
        fields = ["name", "amount_vnd", "note"]


class DocumentSerializer(serializers.ModelSerializer):
    form = serializers.SerializerMethodField(help_text="Mẫu đơn, tờ khai cần điền, nếu có.")

    class Meta:
        model = ProcedureDocument
        fields = ["name", "originals", "copies", "required", "form"]

    def get_form(self, document: ProcedureDocument) -> str | None:
        return document.form or None


class LegalDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalDocument
        fields = ["number", "title", "issued", "issuer"]


class SuccessorSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Procedure
        fields = ["code", "name", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, procedure: Procedure) -> str:
        return public_link(procedure.code)


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["code", "name", "address", "phone", "opening_hours", "saturday_service"]


class LocalFormSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = LocalForm
        fields = ["title", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, form: LocalForm) -> str:
        return settings.SITE_URL + reverse("procedures:local-form", args=[form.pk])


class LocalDetailsSerializer(serializers.ModelSerializer):
    """A unit's local details for a procedure its desk handles."""

    unit = UnitSerializer()
    forms = LocalFormSerializer(many=True)

    class Meta:
        model = UnitProcedure
        fields = ["unit", "counter", "contact", "hours", "local_notes", "forms"]


class ProcedureDetailSerializer(ProcedureListSerializer):
    steps = serializers.SerializerMethodField()
    fees = FeeSerializer(many=True, help_text="Phí, lệ phí; danh sách rỗng: miễn phí.")
    documents = DocumentSerializer(many=True)
    legal_basis = LegalDocumentSerializer(many=True)
    replaced_by = SuccessorSerializer(
        allow_null=True, help_text="Thủ tục thay thế (khi thủ tục này đã bãi bỏ)."
    )
    local = serializers.SerializerMethodField(
        help_text="Thông tin tại đơn vị (quầy, liên hệ, giờ, ghi chú, biểu mẫu) khi gọi với "
        "?unit= và đơn vị đó tiếp nhận thủ tục; null nếu không."
    )

    class Meta(ProcedureListSerializer.Meta):
        fields = [
            *ProcedureListSerializer.Meta.fields,
            "description",
            "steps",
            "fees",
            "documents",
            "eligibility",
            "requirements",
            "result",
            "legal_basis",
            "replaced_by",
            "local",
        ]

    def get_steps(self, procedure: Procedure) -> list[str]:
        return [step.text for step in procedure.steps.all()]

    @extend_schema_field(LocalDetailsSerializer(allow_null=True))
    def get_local(self, procedure: Procedure) -> dict | None:
        offering = self.context.get("offering")
        return LocalDetailsSerializer(offering, context=self.context).data if offering else None
