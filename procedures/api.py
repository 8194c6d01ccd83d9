"""Public read-only API of the catalogue (no login): search and list procedures, read one
procedure with a unit's local details, list fields. Texts come in the language of the
request (`?lang=vi|en` or Accept-Language). Every error is JSON (portal/api.py).

    GET /api/v1/procedures/?search=&field=&level=&unit=&page=
    GET /api/v1/procedures/<code>/?unit=
    GET /api/v1/fields/?unit=
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

from portal.models import Unit

from . import selectors
from .filters import CODE_MAX_LENGTH, FieldFilter, ProcedureFilter
from .models import Field, Procedure
from .serializers import (
    FieldWithCountSerializer,
    ProcedureDetailSerializer,
    ProcedureListSerializer,
)

LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    enum=[code for code, _ in settings.LANGUAGES],
    description="Ngôn ngữ của các văn bản (mặc định: theo Accept-Language, rồi tiếng Việt).",
)
UNIT_PARAMETER = OpenApiParameter(
    "unit",
    OpenApiTypes.STR,
    description="Mã đơn vị: thêm thông tin tại đơn vị (quầy, liên hệ, giờ, ghi chú, biểu mẫu).",
)
_CODE = re.compile(rf"^[0-9A-Za-z._-]{{1,{CODE_MAX_LENGTH}}}$")


class LanguageQuery(serializers.Serializer):
    lang = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)


class DetailQuery(LanguageQuery):
    unit = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.filter(is_active=True), required=False
    )

    def to_internal_value(self, data):
        code = data.get("unit")
        if code and not _CODE.match(code):
            raise serializers.ValidationError({"unit": ["Mã đơn vị không hợp lệ."]})
        return super().to_internal_value(data)


class PublicCatalogueView:
    """Read-only, public, and in the language asked for by `?lang=`."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    query_serializer_class = LanguageQuery

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        query = self.query_serializer_class(data=request.query_params)
        query.is_valid(raise_exception=True)
        self.query = query.validated_data
        if "lang" in self.query:
            translation.activate(self.query["lang"])
            request.LANGUAGE_CODE = self.query["lang"]


@extend_schema_view(
    get=extend_schema(
        summary="Tìm và liệt kê thủ tục đã công bố",
        description="Kết quả phù hợp nhất trước (khi có `search`), rồi theo mức độ sử dụng. "
        "Tìm kiếm chấp nhận chữ có dấu hoặc không dấu, chữ hoa, từ theo thứ tự bất kỳ, lỗi "
        "chính tả nhỏ; trong tên (tiếng Việt, tiếng Anh), mã, lĩnh vực và tên giấy tờ.",
        parameters=[LANG_PARAMETER],
    )
)
class ProcedureListView(PublicCatalogueView, generics.ListAPIView):
    serializer_class = ProcedureListSerializer
    filterset_class = ProcedureFilter

    def get_queryset(self):
        return Procedure.objects.select_related("field")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # Valid by now: the filter has answered 400 to an unknown unit.
        context["unit_code"] = self.request.query_params.get("unit") or None
        return context


@extend_schema_view(
    get=extend_schema(
        summary="Một thủ tục, đầy đủ",
        description="Thủ tục đã công bố hoặc đã bãi bỏ (khi đó `status` là `archived` và "
        "`replaced_by` chỉ thủ tục thay thế). Bản nháp và mã không tồn tại: 404.",
        parameters=[
            LANG_PARAMETER,
            UNIT_PARAMETER,
            OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH),
        ],
    )
)
class ProcedureDetailView(PublicCatalogueView, generics.RetrieveAPIView):
    serializer_class = ProcedureDetailSerializer
    query_serializer_class = DetailQuery
    queryset = Procedure.objects.none()  # read through selectors.public_procedure
    lookup_field = "code"
    filter_backends: list = []

    def get_object(self) -> Procedure:
        code = self.kwargs["code"]
        procedure = selectors.public_procedure(code) if _CODE.match(code) else None
        if procedure is None:
            raise NotFound()
        unit = self.query.get("unit")
        self.offering = selectors.unit_offering(unit, procedure)
        if self.offering is not None:
            self.offering.unit = unit  # already loaded
        return procedure

    def get_serializer_context(self):
        context = super().get_serializer_context()
        offering = getattr(self, "offering", None)
        context["offering"] = offering
        context["unit_code"] = offering.unit.code if offering else None
        return context


@extend_schema_view(
    get=extend_schema(
        summary="Lĩnh vực có thủ tục đã công bố, với số thủ tục",
        parameters=[LANG_PARAMETER],
    )
)
class FieldListView(PublicCatalogueView, generics.ListAPIView):
    serializer_class = FieldWithCountSerializer
    filterset_class = FieldFilter
    queryset = Field.objects.all()
