"""`POST /api/v1/track/`: the citizen's tracking lookup as JSON (no login).

    {"code": "...", "phone": "..."}  or  {"code": "...", "id_number": "..."}

200 with the dossier's public story; 400 when a field is missing or both factors are given;
404, with one body, for an unknown code and for a wrong factor alike; 429 when this client
failed too often. Texts follow Accept-Language (LocaleMiddleware).
"""

from __future__ import annotations

from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.cache import never_cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import tracking


class TrackRequestSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=tracking.CODE_MAX_LENGTH)
    phone = serializers.CharField(
        max_length=tracking.FACTOR_MAX_LENGTH, required=False, allow_blank=True
    )
    id_number = serializers.CharField(
        max_length=tracking.FACTOR_MAX_LENGTH, required=False, allow_blank=True
    )

    def validate(self, data: dict) -> dict:
        phone = (data.get("phone") or "").strip()
        id_number = (data.get("id_number") or "").strip()
        if not phone and not id_number:
            message = gettext_lazy("Nhập số điện thoại hoặc số định danh.")
            raise serializers.ValidationError({"phone": [message], "id_number": [message]})
        if phone and id_number:
            message = gettext_lazy("Chỉ nhập một trong hai: số điện thoại hoặc số định danh.")
            raise serializers.ValidationError({"id_number": [message]})
        return {"code": data["code"], "phone": phone, "id_number": id_number}


class TrackProcedureSerializer(serializers.Serializer):
    code = serializers.CharField(source="procedure_code")
    name = serializers.CharField(source="procedure_name")


class TrackUnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class TrackPlaceSerializer(serializers.Serializer):
    name = serializers.CharField()
    address = serializers.CharField()
    opening_hours = serializers.CharField()
    phone = serializers.CharField()


class TrackNextStepSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="supplement | collect_result | wait | refused | denied | none"
    )
    text = serializers.CharField()
    details = serializers.CharField(help_text="What to supplement, or the reason.")
    place = TrackPlaceSerializer(allow_null=True)


class TrackExtensionSerializer(serializers.Serializer):
    old_due = serializers.DateField(allow_null=True)
    new_due = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


class TrackTimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField()


class TrackingSerializer(serializers.Serializer):
    code = serializers.CharField()
    procedure = TrackProcedureSerializer(source="*")
    unit = TrackUnitSerializer(help_text="The desk that received the dossier.")
    processing_unit = TrackUnitSerializer()
    status = serializers.CharField()
    status_text = serializers.CharField()
    received_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    paused = serializers.BooleanField(help_text="The clock is stopped: waiting for a supplement.")
    extension = TrackExtensionSerializer(allow_null=True)
    next_step = TrackNextStepSerializer()
    timeline = TrackTimelineEntrySerializer(many=True)


class TrackErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


def not_found_message() -> str:
    return _(
        "Không tìm thấy hồ sơ với mã và số điện thoại / số định danh đã nhập. Kiểm tra lại "
        "mã hồ sơ trên giấy tiếp nhận."
    )


class TrackView(APIView):
    """Public: no session, so no CSRF; the rate limit guards it instead."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="track_dossier",
        summary="Tra cứu hồ sơ (công dân)",
        description="Mã hồ sơ cùng số điện thoại hoặc số định danh đã khai khi nộp. Mã sai và "
        "số sai cho cùng một câu trả lời 404. Tra cứu sai quá nhiều lần: 429.",
        request=TrackRequestSerializer,
        responses={
            200: TrackingSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='Thiếu trường: {"field": ["..."]}',
            ),
            404: OpenApiResponse(TrackErrorSerializer, description="Không tìm thấy"),
            429: OpenApiResponse(TrackErrorSerializer, description="Tra cứu sai quá nhiều lần"),
        },
        examples=[
            OpenApiExample(
                "Số điện thoại",
                value={"code": "000.00.23.H56-261207-0001", "phone": "0912 345 678"},
                request_only=True,
            ),
            OpenApiExample(
                "Số định danh",
                value={"code": "000.00.23.H56-261207-0001", "id_number": "079123456789"},
                request_only=True,
            ),
        ],
        auth=[],
        tags=["track"],
    )
    def post(self, request: Request) -> Response:
        limit = tracking.check_limit(request)
        if limit.limited:
            minutes = max(1, (limit.retry_after + 59) // 60)
            return Response(
                {
                    "detail": _("Tra cứu sai quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút.")
                    % {"minutes": minutes}
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(limit.retry_after)},
            )
        form = TrackRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        result = tracking.track(data["code"], phone=data["phone"], id_number=data["id_number"])
        if result is None:
            tracking.record_failure(request)
            return Response({"detail": not_found_message()}, status=status.HTTP_404_NOT_FOUND)
        return Response(TrackingSerializer(result).data)

    @classmethod
    def as_view(cls, **initkwargs):
        return never_cache(super().as_view(**initkwargs))
